package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
)

type logoutOptions struct {
	Profile string
	All     bool
	Forget  bool
	Yes     bool
	Fleet   bool
}

func newLogoutCmd(app *App) *cobra.Command {
	opts := &logoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout [PROFILE]",
		Short: "Remove a profile's session and saved secret",
		Long: `Remove the profile's session and saved secret from the credential store. The
profile's settings stay in the config file, so the next login needs only the
secret, unless --forget removes them too. --all --forget removes every
profile: on a terminal it asks first (as profile rm does); --yes skips the
question, and scripts (no terminal) are not asked.

For a shared profile this clears this host's copy only: the fleet's session
and saved secret stay in Redis, and the next call renews from them. --fleet
removes them from Redis too (every host then needs a new login or
sesame fleet put-secret); on a terminal it asks first.`,
		Example: `  sesame logout tdx
  sesame logout tdx --fleet
  sesame logout --all --forget --yes`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			if opts.All && opts.Profile != "" {
				return usageErr("give a PROFILE or --all, not both")
			}
			return runLogout(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "log out of every profile")
	cmd.Flags().BoolVar(&opts.Forget, "forget", false, "also remove the profile from the config file")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before --all --forget")
	cmd.Flags().BoolVar(&opts.Fleet, "fleet", false, "shared profiles: also remove the fleet's session and saved secret from Redis")
	return cmd
}

func runLogout(ctx context.Context, app *App, opts *logoutOptions) error {
	c, err := app.Config()
	if err != nil {
		return err
	}
	var targets []*config.Profile
	if opts.All {
		for _, n := range c.Names() {
			targets = append(targets, c.Profiles[n])
		}
	} else {
		p, err := app.resolveProfile(opts.Profile)
		if err != nil {
			return err
		}
		if opts.Fleet && p.Shared == nil {
			return usageErr("profile %s is not shared: --fleet is for profiles with a shared: block", p.Name)
		}
		targets = []*config.Profile{p}
	}
	if opts.All && opts.Forget && len(targets) > 0 && !opts.Yes {
		names := make([]string, len(targets))
		for i, p := range targets {
			names[i] = p.Name
		}
		if !app.confirm(fmt.Sprintf("Remove every profile (%s), its session and saved secret?", strings.Join(names, ", "))) {
			return usageErr("nothing removed")
		}
	}
	var errs []error
	for _, p := range targets {
		if opts.Fleet && p.Shared != nil {
			if err := logoutFleet(ctx, app, p); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
				continue
			}
		}
		if err := app.Service().Logout(p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			continue
		}
		if opts.Forget {
			delete(c.Profiles, p.Name)
		}
		what := "logged out"
		if opts.Forget {
			what = "logged out and forgotten"
		}
		switch {
		case p.Shared != nil && opts.Fleet:
			what += ", and removed from the fleet store"
		case p.Shared != nil:
			what += " on this host; the fleet's session and saved secret stay in " + session.RedactRedisURL(p.Shared.URL) + " (sesame logout " + p.Name + " --fleet removes them)"
		}
		fmt.Fprintf(app.IO.ErrOut, "✓ %s: %s\n", p.Name, what)
	}
	if opts.Forget {
		if err := c.Save(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// logoutFleet removes a shared profile's items from the fleet store, after
// asking on a terminal (scripts are not asked: --fleet is explicit).
func logoutFleet(ctx context.Context, app *App, p *config.Profile) error {
	where := session.RedactRedisURL(p.Shared.URL)
	if app.IO.InTTY {
		fmt.Fprintf(app.IO.ErrOut, "Remove the fleet's session and saved secret of %s from %s? Every host will need a new login. [y/N] ", p.Name, where)
		line, _ := bufio.NewReader(app.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return usageErr("not logged out (nothing removed)")
		}
	}
	return app.Service().LogoutFleet(ctx, p)
}
