//go:build !nodocs

package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newDocsCmd is the hidden generator of sesame's manual pages and markdown
// reference, run by the release build (scripts/gen-assets.sh).
func newDocsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "Write sesame's manual pages or markdown reference",
		Hidden: true,
		Long: `Write one page per command, generated from the same help text that
--help prints: troff manual pages (sesame.1, sesame-login-tdx.1, …) or
markdown files (sesame.md, sesame_login_tdx.md, …). The release build ships
the manual pages; packagers install them under share/man/man1.`,
		Example: `  sesame docs man ./manpages && man ./manpages/sesame-token-show.1
  sesame docs markdown ./docs/reference`,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:     "man DIR",
			Short:   "Write a troff manual page per command into DIR",
			Long:    "Write a troff manual page (section 1) per command into DIR, creating DIR if needed.",
			Example: "  sesame docs man ./manpages",
			Args:    cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				return writeDocs(app, c.Root(), args[0], "man")
			},
		},
		&cobra.Command{
			Use:     "markdown DIR",
			Short:   "Write a markdown page per command into DIR",
			Long:    "Write a markdown page per command into DIR, creating DIR if needed.",
			Example: "  sesame docs markdown ./docs/reference",
			Args:    cobra.ExactArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				return writeDocs(app, c.Root(), args[0], "markdown")
			},
		},
	)
	return cmd
}

func writeDocs(app *App, root *cobra.Command, dir, kind string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// No "Auto generated … on <date>" footer: the pages of one version are
	// the same whenever they are built.
	root.DisableAutoGenTag = true
	var err error
	switch kind {
	case "man":
		err = doc.GenManTree(root, &doc.GenManHeader{
			Title:   "SESAME",
			Section: "1",
			Source:  "sesame " + currentBuild().Version,
			Manual:  "sesame manual",
		}, dir)
	default:
		err = doc.GenMarkdownTree(root, dir)
	}
	if err != nil {
		return fmt.Errorf("writing %s pages to %s: %w", kind, dir, err)
	}
	fmt.Fprintf(app.IO.ErrOut, "wrote %s pages to %s\n", kind, dir)
	return nil
}
