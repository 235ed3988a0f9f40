package shellenv

import "strings"

// formatPOSIX writes export NAME='value' for sh, bash, zsh, dash and ksh.
//
// Inside single quotes a POSIX shell takes every byte literally — $, `, \, !,
// newlines, control bytes, bytes that are not UTF-8 — up to the next single
// quote, and nothing can escape that quote. So a value's own ' ends the
// quoted string, is written as \' (a backslash-escaped quote outside any
// quotes), and a new quoted string starts. The empty value is an empty
// pair of quotes:
//
//	it's     export NAME='it'\''s'
//	(empty)  export NAME=''
//
// That covers every byte but NUL, which Format refuses first.
//
// Why this holds where the output is used:
//   - eval "$(sesame env)": command substitution strips trailing newlines of
//     the whole output, but each value's trailing newlines are inside quotes
//     and the output itself ends in a closing quote and one newline.
//   - history expansion (bash's !, zsh's !) applies to lines typed at a
//     prompt, never to eval's argument, and bash never expands ! inside
//     single quotes anyway.
//   - zsh's RC_QUOTES option (a doubled quote inside quotes) does not
//     change the meaning of the quote-backslash-quote-quote sequence.
//   - export NAME='…' is one word after quote removal, so no shell splits or
//     globs it, and `export` accepts an assignment in every shell in use
//     today (only the pre-POSIX Bourne shell needed NAME=…; export NAME).
func formatPOSIX(name, value string) (string, string) {
	return "export " + name + "=" + quotePOSIX(value) + "\n", ""
}

// quotePOSIX single-quotes s for a POSIX shell; see formatPOSIX.
func quotePOSIX(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
