package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
)

func newFleetSetCmd(app *App, use, short, example, what string, item func(args []string) (string, error), check func(string) error) *cobra.Command {
	o := &loginOptions{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + ` in this host's credential store (the OS keychain,
else 0600 files), for hosts where the environment variable is not set.
The value is read from stdin with --secret-stdin, or asked for on a terminal;
never from a flag.`,
		Example: example,
		Args:    cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := item(args)
			if err != nil {
				return err
			}
			v, err := readSecret(cmd.Context(), app, o, what, &config.Profile{Provider: "fleet"})
			if err != nil {
				return err
			}
			if err := check(v); err != nil {
				return err
			}
			store, err := app.Service().SaveFleetItem(name, v)
			if err != nil {
				return err
			}
			fmt.Fprintf(app.IO.ErrOut, "Saved the %s in the %s store\n", what, store)
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.SecretStdin, "secret-stdin", false, "read the value from stdin")
	return cmd
}

func newFleetSetKeyCmd(app *App) *cobra.Command {
	var ns string
	cmd := newFleetSetCmd(app, "set-key", "Save the fleet key (SESAME_FLEET_KEY)",
		"  sesame fleet set-key --secret-stdin < /run/secrets/sesame-fleet-key", "fleet key",
		func([]string) (string, error) { return session.FleetKeyItem(ns), nil },
		func(v string) error {
			if err := session.ParseFleetKey(v); err != nil {
				return clierr.New(clierr.Usage, "%s", err.Error())
			}
			return nil
		})
	cmd.Args = cobra.NoArgs
	cmd.Flags().StringVar(&ns, "namespace", session.FleetDefaultNamespace, "the key namespace (shared.namespace) the key is for")
	return cmd
}

func newFleetSetRedisPasswordCmd(app *App) *cobra.Command {
	cmd := newFleetSetCmd(app, "set-redis-password URL", "Save the Redis ACL user's password (SESAME_REDIS_PASSWORD) for URL",
		"  sesame fleet set-redis-password rediss://sesame-consumer@redis.internal:6380 --secret-stdin < /run/secrets/redis", "Redis password",
		func(args []string) (string, error) {
			if len(args) != 1 {
				return "", usageErr("set-redis-password needs the shared URL, as in the profile's shared.url")
			}
			return session.RedisPasswordItem(args[0]), nil
		},
		func(string) error { return nil })
	cmd.Args = cobra.ExactArgs(1)
	return cmd
}

func newFleetCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Share sessions across hosts through Redis",
		Long: `A shared profile keeps its session (and saved secret) in a Redis or Valkey
server that the whole fleet uses, encrypted with the fleet key, so that the
fleet makes one vendor login per session lifetime. Set it up with
'sesame login … --shared redis://host:6379', or by hand in the config file
(shared: {url, namespace, role: renewer|consumer, fallback: fail|local}).

Every host needs SESAME_FLEET_KEY (the same 32 random bytes in base64 on all
of them) and, for a Redis ACL user, SESAME_REDIS_PASSWORD, in its
environment or saved in its credential store with 'sesame fleet set-key' and
'sesame fleet set-redis-password URL'.`,
		Example: `  export SESAME_FLEET_KEY="$(openssl rand -base64 32)"   # once, then the same everywhere
  sesame login tdx --url https://myschool.teamdynamix.com --username svc --shared rediss://redis.internal:6380
  sesame fleet keep-warm tdx
  sesame fleet acl --namespace sesame`,
	}
	cmd.AddCommand(newFleetPutSecretCmd(app), newFleetKeepWarmCmd(app), newFleetACLCmd(app),
		newFleetSetKeyCmd(app), newFleetSetRedisPasswordCmd(app))
	return cmd
}

func newFleetPutSecretCmd(app *App) *cobra.Command {
	o := &loginOptions{}
	cmd := &cobra.Command{
		Use:   "put-secret PROFILE",
		Short: "Replace a shared profile's saved secret in the fleet store",
		Long: `Replace the secret the fleet's renewers log in with, in one place. The secret
is read like login reads it: stdin with --secret-stdin, $SESAME_PASSWORD or
$SESAME_SECRET, or a prompt on a terminal. The current session is kept.`,
		Example:           `  printf '%s' "$NEW_PASSWORD" | sesame fleet put-secret tdx --secret-stdin`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := app.resolveProfile(args[0])
			if err != nil {
				return err
			}
			if p.Shared == nil {
				return usageErr("profile %s is not shared; log in with --shared URL, or add a shared: block to its config", p.Name)
			}
			secret, err := readSecret(cmd.Context(), app, o, "secret", p)
			if err != nil {
				return err
			}
			if err := app.Service().PutSharedSecret(cmd.Context(), p, secret); err != nil {
				return err
			}
			fmt.Fprintf(app.IO.ErrOut, "Saved the secret of profile %s in the fleet store %s\n", p.Name, session.RedactRedisURL(p.Shared.URL))
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.SecretStdin, "secret-stdin", false, "read the secret from stdin")
	cmd.Flags().BoolVar(&o.SecretStdin, "password-stdin", false, "read the password from stdin")
	return cmd
}

// keepWarmAhead is how long before its end keep-warm renews a session: the
// provider's Info.KeepWarmAhead, else two minutes (AMS ends on inactivity,
// which the once-a-minute touch of each round prevents).
func keepWarmAhead(app *App, provider string) time.Duration {
	if d := app.Service().Traits(provider).KeepWarmAhead; d > 0 {
		return d
	}
	return 2 * time.Minute
}

type keepWarmOptions struct {
	Every time.Duration
	Ahead time.Duration
	Once  bool
}

func newFleetKeepWarmCmd(app *App) *cobra.Command {
	o := &keepWarmOptions{}
	cmd := &cobra.Command{
		Use:   "keep-warm PROFILE...",
		Short: "Renew shared sessions ahead of expiry, so that consumers never wait",
		Long: `Keep-warm runs on one renewer host (under systemd, or from cron with --once)
and renews each profile's shared session before it ends: TDX with under an
hour left, YM at about 12 of its 15 minutes, AMS by touching it. It stops
cleanly on SIGTERM or Ctrl-C. Failures are reported on stderr and retried
next round.`,
		Example: `  sesame fleet keep-warm tdx ym
  sesame fleet keep-warm tdx --once     # from cron`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeepWarm(cmd.Context(), app, o, args)
		},
	}
	cmd.Flags().DurationVar(&o.Every, "every", time.Minute, "time between rounds")
	cmd.Flags().DurationVar(&o.Ahead, "ahead", 0, "renew when less than this is left (default: by provider)")
	cmd.Flags().BoolVar(&o.Once, "once", false, "one round, then exit (for cron)")
	return cmd
}

func runKeepWarm(ctx context.Context, app *App, o *keepWarmOptions, names []string) error {
	var profiles []*config.Profile
	for _, n := range names {
		p, err := app.resolveProfile(n)
		if err != nil {
			return err
		}
		if p.Shared == nil {
			return usageErr("profile %s is not shared; keep-warm renews shared profiles", p.Name)
		}
		if p.Shared.Consumer() {
			return usageErr("profile %s is a consumer on this host (shared.role: consumer); run keep-warm on a renewer", p.Name)
		}
		profiles = append(profiles, p)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		failed := 0
		for _, p := range profiles {
			ahead := o.Ahead
			if ahead <= 0 {
				ahead = keepWarmAhead(app, p.Provider)
			}
			renewed, t, err := app.Service().KeepWarm(ctx, p, ahead)
			if ctx.Err() != nil {
				break
			}
			if err != nil {
				failed++
				fmt.Fprintf(app.IO.ErrOut, "sesame: keep-warm %s: %v\n", p.Name, err)
				continue
			}
			if renewed {
				until := "no fixed end"
				if !t.IsZero() {
					until = "valid until " + t.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(app.IO.ErrOut, "sesame: keep-warm: renewed %s (%s)\n", p.Name, until)
			}
		}
		if o.Once {
			if failed > 0 {
				return clierr.New(clierr.NoSession, "keep-warm: %d of %d profiles not renewed", failed, len(profiles))
			}
			return nil
		}
		t := time.NewTimer(o.Every)
		select {
		case <-ctx.Done():
			t.Stop()
			fmt.Fprintln(app.IO.ErrOut, "sesame: keep-warm stopped")
			return nil
		case <-t.C:
		}
	}
}

func newFleetACLCmd(app *App) *cobra.Command {
	var ns string
	cmd := &cobra.Command{
		Use:   "acl",
		Short: "Print the Redis ACL rules for consumer and renewer users",
		Long: `Print ACL SETUSER lines for a Redis 7 (or Valkey) admin: consumers may read
session keys only, renewers may also read and write secrets, locks and fences.
Replace PASSWORD; give the hosts the password in SESAME_REDIS_PASSWORD.`,
		Example: `  sesame fleet acl | sed "s/PASSWORD/$(openssl rand -hex 24)/" | redis-cli --user admin --askpass`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(app.IO.Out, "ACL SETUSER sesame-consumer reset on >PASSWORD %s\n", strings.Join(session.FleetConsumerRules(ns), " "))
			fmt.Fprintf(app.IO.Out, "ACL SETUSER sesame-renewer reset on >PASSWORD %s\n", strings.Join(session.FleetRenewerRules(ns), " "))
			return nil
		},
	}
	cmd.Flags().StringVar(&ns, "namespace", session.FleetDefaultNamespace, "the key namespace (shared.namespace)")
	return cmd
}

// sharedLines are status/doctor's lines about a shared profile.
func sharedLines(ctx context.Context, app *App, p *config.Profile) []string {
	if p.Shared == nil {
		return nil
	}
	st, err := app.Service().SharedStatus(ctx, p)
	if err != nil {
		return []string{"shared: " + err.Error()}
	}
	lines := []string{fmt.Sprintf("shared: %s (namespace %s, role %s, fallback %s)", st.Store, st.Namespace, st.Role, st.Fallback)}
	if st.Err != "" {
		lines = append(lines, "shared store: "+st.Err)
	} else {
		lines = append(lines, "shared store: ok")
	}
	s := "shared session: " + st.Session
	if st.Fence > 0 {
		s += fmt.Sprintf(", fence %d, renewed by %s at %s", st.Fence, st.By, st.At.UTC().Format(time.RFC3339))
	}
	lines = append(lines, s)
	switch {
	case st.LockHeld && st.LockLeft < 0:
		lines = append(lines, "renewal lock: held with no lease (set by hand? delete it)")
	case st.LockHeld:
		lines = append(lines, fmt.Sprintf("renewal lock: held, %s of its lease left", st.LockLeft.Round(time.Millisecond)))
	default:
		lines = append(lines, "renewal lock: free")
	}
	lines = append(lines, "local copy: "+st.Local)
	return lines
}

// writeSharedStatus follows status's table with the fleet's view of each
// shared profile.
func writeSharedStatus(app *App, profiles []*config.Profile) {
	for _, p := range profiles {
		for _, l := range sharedLines(context.Background(), app, p) {
			fmt.Fprintf(app.IO.Out, "%s %s\n", p.Name, l)
		}
	}
}

// doctorFleet is doctor's verdict on a shared profile's fleet store.
type doctorFleet struct {
	doctorCheck
	Profile string                `json:"profile"`
	Shared  *session.SharedStatus `json:"shared,omitempty"`
}

func checkFleet(ctx context.Context, app *App, p *config.Profile) doctorFleet {
	f := doctorFleet{Profile: p.Name}
	var err error
	if f.Shared, err = app.Service().SharedStatus(ctx, p); err != nil {
		f.doctorCheck = doctorCheck{checkFail, err.Error()}
		return f
	}
	st := f.Shared
	msg := fmt.Sprintf("%s (namespace %s), role %s, fallback %s: ", st.Store, st.Namespace, st.Role, st.Fallback)
	switch {
	case st.Err != "":
		f.doctorCheck = doctorCheck{checkFail, msg + firstLine(st.Err)}
		return f
	case st.LockHeld && st.LockLeft < 0:
		f.doctorCheck = doctorCheck{checkFail, msg + "the renewal lock is held with no lease (never expires); delete the key " + st.Namespace + ":lock:" + p.Name}
		return f
	}
	msg += "shared session " + st.Session
	if st.Fence > 0 {
		msg += fmt.Sprintf(" (fence %d, renewed by %s %s)", st.Fence, st.By, st.At.UTC().Format(time.RFC3339))
	}
	if st.LockHeld {
		msg += fmt.Sprintf(", being renewed (lease %s left)", st.LockLeft.Round(time.Second))
	}
	msg += ", local copy " + st.Local
	f.doctorCheck = doctorCheck{checkOK, msg}
	if st.Session != "valid" {
		f.Status = checkWarn
	}
	return f
}
