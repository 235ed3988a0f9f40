package shellenv

import (
	"fmt"
	"strings"
)

// testValue is one value the round-trip tests push through every target.
type testValue struct {
	desc  string
	value string
}

// nastyValues returns the values every target is tried with: shell
// metacharacters, quotes of every kind, escapes, line breaks, each byte
// 0x01–0xff alone and inside text, invalid UTF-8 and a long value (under
// the 32767 characters a Windows variable holds).
func nastyValues() []testValue {
	vals := []testValue{
		{"empty", ""},
		{"space", " "},
		{"spaces around", "  a b  "},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_w"},
		{"url", "https://org.teamdynamix.com/TDWebApi/api?a=1&b=2#frag"},
		{"url query", "https://x.example/?q=1"},
		{"base64", "dXNlcjpwYXNz+/=="},
		{"rfc3339", "2026-11-23T13:45:00Z"},
		{"single quote", "'"},
		{"quotes", `it's "quoted"`},
		{"quote backslash quote", `'\''`},
		{"double quote", `"`},
		{"dollar HOME", "$HOME"},
		{"dollar brace", "${HOME}"},
		{"dollar default", "${HOME:-x}"},
		{"dollar paren", "$(id)"},
		{"dollar dollar", "$$"},
		{"lone dollar", "a$"},
		{"backticks", "`id`"},
		{"backslash", `\`},
		{"two backslashes", `\\`},
		{"backslash n", `\n`},
		{"backslash at end", `a\`},
		{"backslashes inside", `a\\b`},
		{"backslash backslash n", `a\\nb`},
		{"quote and dollar", "it's $HOME"},
		{"quote and dollars", "'$$'"},
		{"cr and dollar", "a\r$b"},
		{"cr and quote", "a\r'b"},
		{"backslash quote", `\'`},
		{"backslash dquote", `\"`},
		{"backslash dollar", `\$HOME`},
		{"newline", "\n"},
		{"two lines", "a\nb"},
		{"trailing newline", "a\n"},
		{"trailing newlines", "a\n\n\n"},
		{"leading newline", "\na"},
		{"line continuation", "a\\\nb"},
		{"cr", "\r"},
		{"crlf", "a\r\nb\r\n"},
		{"tab", "a\tb"},
		{"leading dash n", "-n"},
		{"leading dash e", "-e"},
		{"double dash", "--"},
		{"bang", "!"},
		{"bang bang", "!!"},
		{"history", "!$ !-1 ^a^b"},
		{"percent", "%"},
		{"percent var", "%PATH%"},
		{"percent escapes", "%25%0A%0D"},
		{"caret", "^"},
		{"glob star", "*"},
		{"glob q", "?"},
		{"glob class", "[a-z]"},
		{"tilde", "~"},
		{"tilde user", "~root/x"},
		{"braces", "{a,b}"},
		{"hash", "#comment"},
		{"space hash", "a #b"},
		{"equals", "="},
		{"key equals", "A=B"},
		{"semicolon", "a;b"},
		{"ampersand", "a&b"},
		{"pipe", "a|b"},
		{"redirects", "<a >b"},
		{"parens", "(a)"},
		{"comma", "a,b"},
		{"eacute", "é"},
		{"emoji", "😀"},
		{"cjk", "日本語"},
		{"smart single quotes", "‘a’ ‚b‛"},
		{"smart double quotes", "“a” „b‟"},
		{"smart quote then quote", "’'"},
		{"nbsp", "a\u00a0b"},
		{"line separator", "a\u2028b\u2029c"},
		{"next line", "a\u0085b"},
		{"bom", "\ufeffa"},
		{"replacement char", "\ufffd"},
		{"private use F600", "\uf600\uf6ff"},
		{"invalid ff", "\xff"},
		{"invalid mid", "a\xffb"},
		{"truncated utf8", "\xc3"},
		{"overlong", "\xc0\xaf"},
		{"surrogate bytes", "\xed\xa0\x80"},
		{"del", "\x7f"},
		{"escape seq", "\x1b[31mred\x1b[0m"},
		{"fish escapes", `\x41\u00e9\e`},
		{"powershell", "$Env:PATH `n @()"},
		{"powershell quote", "'' ‘’"},
		{"cmd", `set "X=1" & echo ^%X%!`},
	}
	var all strings.Builder
	for c := 1; c <= 0xff; c++ {
		vals = append(vals, testValue{fmt.Sprintf("byte 0x%02x", c), string([]byte{byte(c)})})
		vals = append(vals, testValue{fmt.Sprintf("byte 0x%02x inside", c), "a" + string([]byte{byte(c)}) + "b"})
		all.WriteByte(byte(c))
	}
	vals = append(vals, testValue{"all bytes", all.String()})
	var long strings.Builder
	for long.Len() < 30000 {
		long.WriteString("token-é😀'\"\\$`\n\t!%^")
	}
	vals = append(vals, testValue{"30 kB", long.String()})
	return vals
}

// varsFor names the values T0, T1, …: names no shell gives a meaning to.
func varsFor(vals []testValue) []Var {
	vars := make([]Var, len(vals))
	for i, tv := range vals {
		vars[i] = Var{Name: fmt.Sprintf("SESAME_T%d", i), Value: tv.value, Secret: i%2 == 0}
	}
	return vars
}
