package shellenv

import (
	"fmt"
	"strings"
)

// cmdMaxLine is the longest command line cmd.exe accepts (8191 characters,
// Microsoft's "Command prompt (Cmd.exe) command-line string limitation").
const cmdMaxLine = 8191

// formatCmd writes @set "NAME=value" for cmd.exe, ending in CRLF as batch
// files do. The @ keeps cmd from echoing the line, value and all, when the
// output is called from a batch file with echo on (GitHub Actions runs
// `shell: cmd` steps that way): a token must not land in a log.
//
// The output is meant to be run either as a batch file (sesame env --shell
// cmd > env.cmd && call env.cmd) or line by line through
// for /f "delims=" %i in ('sesame env --shell cmd') do %i (also with
// "do call %i", as some tools document). cmd has no quoting that makes
// every byte literal in all of those, so the supported values are exactly
// printable ASCII (0x20–0x7e) without these four characters:
//
//   - %  a batch file expands %NAME% (and needs %% for one %), the prompt
//     and for /f do not, and call expands again: no one spelling of % means
//     % in all three;
//   - !  expands variables when delayed expansion is on (cmd /v, or
//     setlocal EnableDelayedExpansion), and takes carets with it;
//   - ^  is literal inside quotes, but CALL doubles every caret it sees;
//   - "  set "NAME=value" takes the value up to the last quote, but each
//     quote also toggles cmd's quoting, so & | < > ( ) after an odd one
//     would run as commands.
//
// Inside the quotes everything else is literal in all three ways of running
// it: spaces at either end, = after the first, & | < > ( ) ; , and so on.
//
// Also refused: /? anywhere (cmd's built-in commands look for it in their
// arguments and print their help instead of running; whether quotes stop
// that differs between commands, so it is refused as a precaution); line
// breaks, which no cmd command can put into a variable; other control
// bytes; anything beyond ASCII, because cmd decodes batch files and for /f
// output with the console's code page; and a line longer than cmd's
// 8191-character limit. The errors point to PowerShell and `sesame exec`,
// which carry any value.
//
// No cmd.exe runs where this was written (the tests run these three forms
// only on Windows), so these rules lean to refusing.
//
// Limit: cmd has no empty variables. set "NAME=" removes NAME, which
// programs read as empty or absent alike.
func formatCmd(name, value string) (string, string) {
	for i := 0; i < len(value); i++ {
		if reason := cmdRefuses(value[i]); reason != "" {
			return "", reason + "; use --shell powershell, or sesame exec"
		}
	}
	if strings.Contains(value, "/?") {
		return "", "the value contains /?, which makes cmd's built-in commands print their help instead of running; use --shell powershell, or sesame exec"
	}
	line := `@set "` + name + "=" + value + `"`
	if len(line) > cmdMaxLine {
		return "", fmt.Sprintf("the assignment would be %d characters long and cmd's limit is %d; use --shell powershell, or sesame exec", len(line), cmdMaxLine)
	}
	return line + "\r\n", ""
}

func cmdRefuses(c byte) string {
	switch {
	case c == '\n' || c == '\r':
		return "the value contains " + controlName(c) + ", and cmd cannot put a line break into a variable"
	case c < 0x20 || c == 0x7f:
		return "the value contains " + controlName(c) + ", which cmd does not carry reliably"
	case c >= 0x80:
		return "the value contains a non-ASCII character, and cmd reads it in the console's code page"
	case c == '%':
		return "the value contains %, which cmd expands differently in a batch file, at the prompt and under call"
	case c == '!':
		return "the value contains !, which cmd expands when delayed expansion is on"
	case c == '^':
		return "the value contains ^, which cmd's call doubles"
	case c == '"':
		return `the value contains a double quote ("), which would end cmd's quoted assignment`
	}
	return ""
}
