package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/envvars"
)

// helpTopic is a page of `sesame help TOPIC` that is not a command.
type helpTopic struct {
	name, short string
	text        func() string
}

// helpTopics are generated from the tables the code reads (envvars.All,
// clierr.Meanings, config.Keys), so that help cannot drift from them.
func helpTopics() []helpTopic {
	return []helpTopic{
		{"environment", "the SESAME_* variables sesame reads", environmentHelp},
		{"exit-codes", "what each exit code means", exitCodesHelp},
		{"config", "the keys of the config file", configHelp},
	}
}

// newHelpCmd replaces cobra's help command: it also knows the topics, and
// an unknown topic is a usage error (exit 2, with a suggestion) instead of
// the root's help on stdout and exit 0.
func newHelpCmd(app *App) *cobra.Command {
	var b strings.Builder
	for _, t := range helpTopics() {
		fmt.Fprintf(&b, "  %-12s %s\n", t.name, t.short)
	}
	return &cobra.Command{
		Use:   "help [COMMAND | TOPIC]",
		Short: "Help about any command, or a topic: environment, exit-codes, config",
		Long: `Help about any command (sesame help token show), or one of these topics:

` + b.String(),
		Example: `  sesame help status
  sesame help environment
  sesame help exit-codes`,
		ValidArgsFunction: func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			var out []string
			if len(args) == 0 {
				for _, t := range helpTopics() {
					out = append(out, t.name+"\t"+t.short)
				}
			}
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return out, cobra.ShellCompDirectiveNoFileComp
			}
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), prefix) {
					out = append(out, sub.Name()+"\t"+sub.Short)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			if len(args) == 0 {
				return root.Help()
			}
			if len(args) == 1 {
				for _, t := range helpTopics() {
					if t.name == strings.ToLower(args[0]) {
						_, err := fmt.Fprint(app.IO.Out, t.text())
						return err
					}
				}
			}
			target, rest, err := root.Find(args)
			if err != nil || target == root || len(rest) > 0 {
				return unknownHelp(root, args)
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}

// unknownHelp is the usage error for `sesame help WORD…` that names no
// command or topic, with the closest names.
func unknownHelp(root *cobra.Command, args []string) error {
	word := args[len(args)-1]
	var names []string
	parent := root
	if len(args) > 1 {
		if c, _, err := root.Find(args[:len(args)-1]); err == nil {
			parent = c
		}
	}
	for _, c := range parent.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
			names = append(names, c.Aliases...)
		}
	}
	if parent == root {
		for _, t := range helpTopics() {
			names = append(names, t.name)
		}
	}
	msg := fmt.Sprintf("no help topic or command %q", strings.Join(args, " "))
	if s := closest(word, names); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	topics := make([]string, 0, 3)
	for _, t := range helpTopics() {
		topics = append(topics, t.name)
	}
	return usageErr("%s\nRun 'sesame help' for the commands; topics: %s.", msg, strings.Join(topics, ", "))
}

// closest are the names within edit distance 2 of word, or that start with
// it (3 letters or more), as cobra suggests commands.
func closest(word string, names []string) []string {
	var out []string
	w := strings.ToLower(word)
	for _, n := range names {
		if editDistance(w, n) <= 2 || (len(w) >= 3 && strings.HasPrefix(n, w)) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func environmentHelp() string {
	var b strings.Builder
	b.WriteString("Environment variables sesame reads. A flag beats its variable; a variable\nbeats the config file. Empty counts as unset.\n\n")
	for _, v := range envvars.All {
		b.WriteString("  " + v.Name)
		if v.Secret {
			b.WriteString("  (secret: never passed to a child sesame starts)")
		}
		b.WriteString("\n      " + wrap(v.Doc, 6, 79) + "\n")
		if v.Default != "" {
			b.WriteString("      default: " + v.Default + "\n")
		}
	}
	b.WriteString(`
Also read: NO_COLOR (plain output), CI (no store notice), HTTPS_PROXY and
NO_PROXY (sesame's own requests), DBUS_SESSION_BUS_ADDRESS and
XDG_RUNTIME_DIR (whether a Linux keychain is there to ask).
`)
	return b.String()
}

func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes (the same for every command):\n\n")
	for _, m := range clierr.Meanings() {
		fmt.Fprintf(&b, "  %-9s %s\n", m.Code, wrap(m.Text, 12, 79))
	}
	b.WriteString("\nErrors are one line or a few on stderr, starting with \"sesame: \"; data\ngoes to stdout only.\n")
	return b.String()
}

func configHelp() string {
	var b strings.Builder
	b.WriteString(`The config file: --config, else $SESAME_CONFIG, else the user config folder's
sesame/config.yaml (sesame doctor prints where). YAML; written 0600 by login,
which changes only store: and the profile's own keys (other keys and comments
stay). Precedence: flag > SESAME_* variable > this file > default.

`)
	for _, k := range config.Keys() {
		b.WriteString("  " + k.Path + "\n      " + wrap(k.Doc, 6, 79) + "\n")
		if k.Default != "" {
			b.WriteString("      default: " + k.Default + "\n")
		}
	}
	return b.String()
}

// wrap breaks s into lines of at most width columns, each after the first
// indented by indent spaces (the first line's start is the caller's).
func wrap(s string, indent, width int) string {
	var b strings.Builder
	col := indent
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if col+1+len([]rune(w)) > width {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			} else {
				b.WriteString(" ")
				col++
			}
		}
		b.WriteString(w)
		col += len([]rune(w))
	}
	return b.String()
}
