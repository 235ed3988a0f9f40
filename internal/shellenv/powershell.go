package shellenv

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// formatPowerShell writes $Env:NAME = 'value' for PowerShell 7 (pwsh) and
// Windows PowerShell 5.1.
//
// Inside a single-quoted PowerShell string only a single quote means
// anything, and it is written by doubling it:
//
//	it's     $Env:NAME = 'it''s'
//
// PowerShell also takes the typographic quotes U+2018 ‘, U+2019 ’,
// U+201A ‚ and U+201B ‛ as single quotes, which is where naive quoting
// breaks: each of them would have to be doubled too. This formatter goes
// one step further and writes only printable ASCII: each run of printable
// ASCII is a single-quoted string, and every other character — control
// bytes, newlines, DEL, anything beyond ASCII including those four quotes —
// is a [char]0xHHHH cast of its UTF-16 code unit(s), joined with +:
//
//	'a' + [char]0x000A + 'b'              (a, newline, b)
//	'' + [char]0xD83D + [char]0xDE00      (😀, as its surrogate pair)
//
// That buys three things:
//   - no typographic quote ever appears, so none can end the string;
//   - each assignment stays on one line, so `sesame env --shell powershell
//     | Invoke-Expression`, which runs each line of output on its own,
//     works for multi-line values too (no need for Out-String);
//   - PowerShell on Windows decodes a native command's output with
//     [Console]::OutputEncoding, the console's code page unless the user
//     changed it, which would turn UTF-8 é into two other characters;
//     ASCII reads the same in every code page.
//
// The leading empty string makes + a string concatenation when a value
// starts with a cast ([char] + [char] would add the numbers).
//
// Refused: bytes that are not UTF-8, since PowerShell holds strings as
// UTF-16 and has no way to carry them. Limit: on Windows, setting a
// variable to the empty string removes it (that is how the Windows
// environment works); programs read it as empty or absent alike.
func formatPowerShell(name, value string) (string, string) {
	if !utf8.ValidString(value) {
		return "", "the value is not valid UTF-8, and PowerShell holds text as UTF-16; use --shell sh, or sesame exec"
	}
	return "$Env:" + name + " = " + quotePowerShell(value) + "\n", ""
}

// quotePowerShell returns a PowerShell expression, in printable ASCII only,
// whose value is s (valid UTF-8); see formatPowerShell.
func quotePowerShell(s string) string {
	var parts []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, "'"+run.String()+"'")
			run.Reset()
		}
	}
	for _, r := range s {
		if 0x20 <= r && r <= 0x7e {
			if r == '\'' {
				run.WriteString("''")
			} else {
				run.WriteRune(r)
			}
			continue
		}
		flush()
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			parts = append(parts, fmt.Sprintf("[char]0x%04X", r1), fmt.Sprintf("[char]0x%04X", r2))
		} else {
			parts = append(parts, fmt.Sprintf("[char]0x%04X", r))
		}
	}
	flush()
	if len(parts) == 0 || !strings.HasPrefix(parts[0], "'") {
		parts = append([]string{"''"}, parts...)
	}
	return strings.Join(parts, " + ")
}
