package shellenv

import "strings"

// fishQuoter escapes the only two characters that mean anything inside a
// fish single-quoted string: \' is a quote and \\ a backslash. Every other
// byte, newline included, is literal, and a backslash before anything else
// would be kept as is — escaping every backslash anyway makes the rule
// "double each \ and escape each '" with no exceptions to get wrong.
var fishQuoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// formatFish writes set -gx NAME 'value' for fish.
//
// -g makes the variable global (the output is read by `source`, which would
// otherwise create it in a function's scope when sourced from one), -x
// exports it.
//
// Bytes that are not UTF-8 and control bytes need no special care: fish
// reads a script's invalid UTF-8 bytes into a private-use range and writes
// them back as the same bytes when it exports, and it does the same for text
// that really is in that range (U+F600–U+F6FF) so that the two never mix.
// The tests check this on every byte 0x01–0x1f, 0x7f, 0xff, a truncated
// UTF-8 sequence and U+F600 in a real fish (3.6 in Debian bookworm).
//
// A name ending in PATH is a "path variable" in fish, split on ':' into a
// list; fish joins it with ':' again when it exports it or expands it in
// double quotes, so the exported bytes are still the value.
func formatFish(name, value string) (string, string) {
	return "set -gx " + name + " '" + fishQuoter.Replace(value) + "'\n", ""
}
