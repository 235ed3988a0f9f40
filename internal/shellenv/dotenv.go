package shellenv

import (
	"strings"
	"unicode/utf8"
)

// formatDotenv writes NAME='value' or NAME="value" for .env files.
//
// There is no dotenv standard, and the three readers that matter disagree
// on escapes, so the format is the part they agree on. What each does with
// a quoted value (read from their parsers: compose-go dotenv/parser.go,
// python-dotenv parser.py and variables.py, Node's dotenv lib/main.js):
//
//	reader                        '…'                     "…"
//	docker compose (compose-go)   literal; \' is a quote  \\ \" \$ \n \r \t … decoded; $VAR expanded
//	python-dotenv                 \\ and \' decoded       \\ \' \" \n \r \t … decoded
//	Node's dotenv                 literal                 only \n and \r decoded
//
// Besides, python-dotenv (with interpolate=True, its default) expands
// ${VAR} in every value, quoted or not, and has no escape for it; Node's
// dotenv, and python-dotenv (which opens the file in text mode), turn a raw
// CR into LF. So:
//   - single quotes when the value has no ', no CR, no \\ (python-dotenv
//     would make it \) and does not end in \ (compose and python-dotenv
//     would take \' as a quote and read on): everything else is literal in
//     all three, line breaks included;
//   - else double quotes when the value has no ", no \ and no $ (compose
//     would expand it): a CR is written as \r, which all three decode, and
//     everything else is literal;
//   - else, and for any value containing ${ or bytes that are not UTF-8
//     (python-dotenv and Node decode the file as UTF-8), a *ValueError that
//     points to a shell format or `sesame exec`.
//
// Tokens, URLs, ids and timestamps all take the first branch. The tests
// feed every accepted value to python-dotenv and Node's dotenv (both of its
// parsers) when they are installed, and to any other reader named by
// SESAME_TEST_DOTENV_READER (compose-go was checked that way).
func formatDotenv(name, value string) (string, string) {
	const hint = "; use --shell sh, or sesame exec"
	switch {
	case !utf8.ValidString(value):
		return "", "the value is not valid UTF-8, and dotenv readers decode the file as UTF-8" + hint
	case strings.Contains(value, "${"):
		return "", "the value contains ${, which python-dotenv expands as a variable in any quotes" + hint
	case dotenvSingleOK(value):
		return name + "='" + value + "'\n", ""
	case dotenvDoubleOK(value):
		return name + `="` + strings.ReplaceAll(value, "\r", `\r`) + "\"\n", ""
	}
	return "", dotenvRefusal(value) + hint
}

// dotenvRefusal says what keeps value out of both kinds of quotes.
func dotenvRefusal(value string) string {
	var single string
	switch {
	case strings.Contains(value, "'"):
		single = "a single quote"
	case strings.Contains(value, "\r"):
		single = "a carriage return"
	case strings.Contains(value, `\\`):
		single = `two backslashes in a row`
	default:
		single = "a backslash at the end"
	}
	var double string
	switch {
	case strings.Contains(value, `"`):
		double = "a double quote"
	case strings.Contains(value, `\`):
		double = "a backslash"
	default:
		double = "a $"
	}
	const readers = "docker compose, python-dotenv and Node's dotenv"
	if strings.HasPrefix(single, "two backslashes") || strings.HasPrefix(single, "a backslash") {
		return "the value contains " + single + ", which " + readers + " read differently in any quotes"
	}
	return "the value contains " + single + " and " + double + ", and " + readers + " agree on no way to write both"
}

func dotenvSingleOK(v string) bool {
	return !strings.ContainsAny(v, "'\r") && !strings.Contains(v, `\\`) && !strings.HasSuffix(v, `\`)
}

func dotenvDoubleOK(v string) bool {
	return !strings.ContainsAny(v, "\"\\$")
}
