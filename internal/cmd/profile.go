package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

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
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles",
		Long:    "List each profile's name, provider, instance, user and credential store; the default one is marked. --json gives the same for scripts.",
		Example: "  sesame profile list\n  sesame profile list --json | jq -r '.[].name'",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, err := app.Config()
			if err != nil {
				return err
			}
			rows := make([]profileRow, 0, len(c.Profiles))
			for _, n := range c.Names() {
				p := c.Profiles[n]
				rows = append(rows, profileRow{Name: n, Provider: p.Provider, Instance: p.URL, User: p.Username, Store: app.storeKind(p), Default: n == c.Default})
			}
			if asJSON {
				enc := json.NewEncoder(app.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(app.IO.ErrOut, "no profiles yet; log in first: sesame login tdx|ams|ym")
				return nil
			}
			cells := make([][]string, len(rows))
			for i, r := range rows {
				name := r.Name
				if r.Default {
					name += " (default)"
				}
				cells[i] = []string{name, r.Provider, r.Instance, r.User, r.Store}
			}
			st := ui.NewStyles(app.IO.Out, ui.Colour(app.IO.OutTTY))
			out := st.Table([]string{"NAME", "PROVIDER", "INSTANCE", "USER", "STORE"}, cells, func(_, _ int, v string) string { return v })
			_, err = fmt.Fprint(app.IO.Out, ui.Fit(out, ui.Width(app.IO.Out, app.IO.OutTTY)))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newProfileUseCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:               "use NAME",
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
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove a profile: its config entry, session and saved secret",
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
			if !yes && app.IO.InTTY {
				fmt.Fprintf(app.IO.ErrOut, "Remove profile %s (%s, %s), its session and saved secret? [y/N] ", p.Name, p.Provider, p.URL)
				line, _ := bufio.NewReader(app.IO.In).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return usageErr("not removed")
				}
			}
			mgr, err := app.Sessions()
			if err != nil {
				return err
			}
			if err := mgr.Logout(p); err != nil {
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
