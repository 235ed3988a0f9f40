package cmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/ui"
)

func newProfileCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "List profiles, choose the default one, remove one",
		Long: `A profile is one account on one vendor instance. 'profile list' shows them,
'profile use NAME' makes NAME the one commands act on when none is named
(--profile and SESAME_PROFILE still win), 'profile rm NAME' removes its
config entry and its stored session and secret.`,
		Example: `  sesame profile list
  sesame profile use prod
  sesame profile rm staging`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newProfileListCmd(app), newProfileUseCmd(app), newProfileRmCmd(app))
	return cmd
}

// profileRow is one line of `profile list`; its JSON names are a contract.
type profileRow struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Instance string `json:"instance"`
	User     string `json:"user"`
	Store    string `json:"store"`
	Default  bool   `json:"default"`
}

func newProfileListCmd(app *App) *cobra.Command {
	var out jsonOutput
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles",
		Long: `List each profile's name, provider, instance, user and credential store; the
default one is marked in a DEFAULT column of its own, so that every other
column stays in place for awk. --json gives the same for scripts
(--json=name,provider keeps those fields, --jq filters them).`,
		Example: "  sesame profile list\n  sesame profile list --json | jq -r '.[].name'\n  sesame profile list --jq '.[] | select(.default) | .name'",
		Args: func(cmd *cobra.Command, args []string) error {
			if args = out.takeFieldsArg(args, nil); len(args) > 0 {
				return argsErr(cmd, argsProblem(cmd, args))
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			if _, err := out.check(); err != nil {
				return err
			}
			c, err := app.Config()
			if err != nil {
				return err
			}
			rows := make([]profileRow, 0, len(c.Profiles))
			for _, n := range c.Names() {
				p := c.Profiles[n]
				rows = append(rows, profileRow{Name: n, Provider: p.Provider, Instance: p.URL, User: p.Username, Store: app.storeKind(p), Default: n == c.Default})
			}
			if out.wanted() {
				return out.write(app.IO.Out, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(app.IO.ErrOut, "no profiles yet; log in first: sesame login tdx|ams|ym")
				return nil
			}
			cells := make([][]string, len(rows))
			for i, r := range rows {
				// The same USER as status shows, and the same DEFAULT column.
				cells[i] = []string{r.Name, r.Provider, redact.Text(r.Instance), redact.Text(tableUser(c.Profiles[r.Name])), r.Store, defaultMark(r.Default)}
			}
			st := ui.NewStyles(app.IO.Out, ui.Colour(app.IO.OutTTY))
			table := st.Table([]string{"NAME", "PROVIDER", "INSTANCE", "USER", "STORE", "DEFAULT"}, cells, func(_, _ int, v string) string { return v })
			_, err = fmt.Fprint(app.IO.Out, ui.Fit(table, ui.Width(app.IO.Out, app.IO.OutTTY)))
			return err
		},
	}
	addJSONFlags(cmd, &out, jsonFields(profileRow{}))
	return cmd
}

func newProfileUseCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:               "use NAME",
		Annotations:       map[string]string{argsAnnotation: "name the profile to make the default: sesame profile use prod"},
		Short:             "Make NAME the profile commands act on by default",
		Long:              "Record NAME as the default profile in the config file. --profile, SESAME_PROFILE and a PROFILE argument still win; status marks the default.",
		Example:           "  sesame profile use prod",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := app.Config()
			if err != nil {
				return err
			}
			p, err := c.Profile(args[0])
			if err != nil {
				return err
			}
			c.Default = p.Name
			if err := c.Save(); err != nil {
				return err
			}
			fmt.Fprintf(app.IO.ErrOut, "✓ %s is the default profile\n", p.Name)
			return nil
		},
	}
}

func newProfileRmCmd(app *App) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:         "rm NAME",
		Annotations: map[string]string{argsAnnotation: "name the profile to remove: sesame profile rm staging"},
		Aliases:     []string{"remove"},
		Short:       "Remove a profile: its config entry, session and saved secret",
		Long: `Remove the profile's config entry and its session and saved secret from the
credential store (logout --forget). On a terminal it asks first; --yes skips
the question, and scripts (no terminal) are not asked.`,
		Example:           "  sesame profile rm staging\n  sesame profile rm staging --yes",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := app.Config()
			if err != nil {
				return err
			}
			p, err := c.Profile(args[0])
			if err != nil {
				return err
			}
			if !yes && !app.confirm(fmt.Sprintf("Remove profile %s (%s, %s), its session and saved secret?", p.Name, p.Provider, p.URL)) {
				return usageErr("not removed")
			}
			if err := app.Service().Forget(p); err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			delete(c.Profiles, p.Name)
			if c.Default == p.Name {
				c.Default = ""
			}
			if err := c.Save(); err != nil {
				return err
			}
			fmt.Fprintf(app.IO.ErrOut, "✓ %s removed\n", p.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

// confirm asks a yes/no question on a terminal (stdin and stderr) and
// reports a yes; with no terminal to ask on, a script is not asked and the
// answer is yes, as with gh and apt.
func (a *App) confirm(question string) bool {
	if !a.IO.InTTY {
		return true
	}
	fmt.Fprintf(a.IO.ErrOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.IO.In).ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}
