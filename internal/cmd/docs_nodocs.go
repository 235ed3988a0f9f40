//go:build nodocs

package cmd

import "github.com/spf13/cobra"

// newDocsCmd, in a release build (-tags nodocs), is absent: the man pages
// and markdown reference are generated at build time by a build without
// the tag (scripts/gen-assets.sh), and leaving cobra/doc and blackfriday
// out saves every `sesame token show` their initialisers (bench/PROFILE.md).
func newDocsCmd(*App) *cobra.Command { return nil }
