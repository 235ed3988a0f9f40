package redact

import (
	"fmt"
	"strings"
)

// Text makes text that came from a vendor (a user name in a JWT, an error
// body) safe to print on a terminal: every control character except tab
// and newline — ESC, BEL, CR, the other C0 codes, DEL, the C1 codes
// U+0080–U+009F — and the bidirectional overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) is shown as a visible escape (\x1b,
// \u202e) instead of acting on the terminal: a hostile instance must not
// set the window title, write the clipboard or reorder what is shown.
// Invalid UTF-8 bytes are shown as \xNN too.
func Text(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\uFFFD' && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i, r := range s {
		if unsafeRune(r) || (r == '\uFFFD' && !strings.HasPrefix(s[i:], "\uFFFD")) {
			return true
		}
	}
	return false
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
