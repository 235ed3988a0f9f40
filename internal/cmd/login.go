package cmd

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/ui"
)

// loginOptions are what every provider's login shares.
type loginOptions struct {
	Provider string
	Mode     string
	URL      string
	Username string
	Options  map[string]string

	SecretStdin  bool // --password-stdin, --key-stdin, --secret-stdin
	NoSaveSecret bool
	// JoinSecret, when set, adds a provider's second secret input to the
	// secret read (YM consumer: the access token).
	JoinSecret func(secret string) (string, error)
	SaveSecret bool

	Shared          string // --shared URL: this host becomes the fleet's renewer
	SharedNamespace string
}

func newLoginCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "login PROVIDER",
		Short: "Log in to a vendor and store the session",
		Long: `Log in creates or updates a profile, logs in, and stores the session in the
credential store, with the secret that renews it unless --no-save-secret.

The secret never goes on the command line: sesame asks for it without echo
on a terminal, reads it from stdin with --password-stdin (--key-stdin,
--secret-stdin), or takes it from $SESAME_PASSWORD or $SESAME_SECRET.
The profile is named after the provider unless --profile says otherwise.`,
		Example: `  sesame login tdx --url https://myschool.teamdynamix.com --username alice
  printf '%s' "$TDX_KEY" | sesame login tdx --admin --beid "$BEID" --url https://myschool.teamdynamix.com --key-stdin`,
	}
	for _, lc := range app.Service().LoginCommands() {
		cmd.AddCommand(newLoginProviderCmd(app, lc, nil))
	}
	return cmd
}

// addSecretFlags registers the flags every login shares.
func addSecretFlags(cmd *cobra.Command, o *loginOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.SecretStdin, "password-stdin", false, "read the password from stdin")
	f.BoolVar(&o.SecretStdin, "key-stdin", false, "read the key from stdin")
	f.BoolVar(&o.SecretStdin, "secret-stdin", false, "read the secret from stdin")
	f.BoolVar(&o.NoSaveSecret, "no-save-secret", false, "keep only the session, not the secret (no automatic renewal); sticks to the profile")
	f.BoolVar(&o.SaveSecret, "save-secret", false, "save the secret again on a profile that was logged in with --no-save-secret")
	cmd.MarkFlagsMutuallyExclusive("no-save-secret", "save-secret")
	f.StringVar(&o.Shared, "shared", "", "share the session (and secret) through this Redis: redis://host:port or rediss://…")
	f.StringVar(&o.SharedNamespace, "shared-namespace", "", "key namespace in the shared Redis (default sesame)")
}

func runLogin(ctx context.Context, app *App, o *loginOptions) error {
	if err := checkNoUserInfo(o.URL); err != nil {
		return err
	}
	r, err := app.Service().Login(ctx, session.LoginRequest{
		Provider: o.Provider, Profile: app.Profile,
		URL: o.URL, Mode: o.Mode, Username: o.Username, Options: o.Options,
		Shared: o.Shared, SharedNamespace: o.SharedNamespace,
		NoSaveSecret: o.NoSaveSecret, SaveSecret: o.SaveSecret,
		Secret: func(ctx context.Context, what string, p *config.Profile) (string, error) {
			secret, err := readSecret(ctx, app, o, what, p)
			if err != nil || o.JoinSecret == nil {
				return secret, err
			}
			return o.JoinSecret(secret)
		},
		Contacting: func(p *config.Profile) func() {
			return ui.StartSpinner(app.IO.ErrOut, app.IO.ErrTTY, "logging in to "+p.URL)
		},
	})
	if err != nil {
		return err
	}
	p := r.Profile
	until := "until it is no longer used"
	if !r.ValidUntil.IsZero() {
		until = "until " + ui.When(r.ValidUntil, app.Now())
	}
	// The keychain fall-back notice, once per profile: when this profile
	// starts keeping its credentials in files, not at every login.
	if r.StoreChanged {
		app.flushStoreNotice("profile " + p.Name + ": ")
	}
	app.storeNotice.Reset()
	st := ui.NewStyles(app.IO.ErrOut, ui.Colour(app.IO.ErrTTY))
	fmt.Fprintf(app.IO.ErrOut, "%s Logged in to %s as %s (profile %s, %s mode, store %s, %s); session valid %s\n",
		st.Good("✓"), redact.Text(p.URL), st.Bold(redact.Text(r.User)), p.Name, profileModeText(app, p), p.Store, r.Saved, until)
	return nil
}

// checkNoUserInfo refuses a --url that carries a user name or password
// (https://bob:pw@host): no flag takes a secret, since argv is visible to
// every local user. The message never repeats the URL.
func checkNoUserInfo(raw string) error {
	if raw == "" {
		return nil
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil || err != nil && strings.Contains(raw, "@") {
		return usageErr("--url must not carry a user name or password (user@ or user:password@ before the host): no flag takes a secret; give the user with --username and the secret at the prompt, on stdin (--password-stdin) or in SESAME_PASSWORD")
	}
	return nil
}

// maxStdinSecret bounds a secret read from stdin.
const maxStdinSecret = 64 << 10

// readSecret takes the secret from stdin (when asked), $SESAME_PASSWORD /
// $SESAME_SECRET, or a no-echo prompt, in that order. With no terminal and no
// secret it fails at once: never wait on a stdin nobody will write to.
func readSecret(ctx context.Context, app *App, o *loginOptions, what string, p *config.Profile) (string, error) {
	if o.SecretStdin {
		b, err := io.ReadAll(io.LimitReader(app.IO.In, maxStdinSecret+1))
		if err != nil {
			return "", usageErr("reading the %s from stdin: %v", what, err)
		}
		if len(b) > maxStdinSecret {
			// Never cut a secret short and send the rest: refuse it whole.
			clear(b)
			return "", usageErr("the %s on stdin is longer than %d KiB: no %s is that long; check what is piped in", what, maxStdinSecret>>10, what)
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if s == "" {
			return "", usageErr("stdin was empty: no %s to log in with", what)
		}
		return s, nil
	}
	for _, env := range []string{"SESAME_PASSWORD", "SESAME_SECRET"} {
		if v := app.Getenv(env); v != "" {
			return v, nil
		}
	}
	if !app.IO.InTTY {
		return "", usageErr("no %s given and no terminal to ask for it on: pipe it with --%s, set SESAME_PASSWORD (or SESAME_SECRET), or run in a terminal", what, stdinFlag(what))
	}
	who := p.Username
	if who != "" {
		who = " for " + who
	}
	s, err := app.IO.ReadSecret(ctx, fmt.Sprintf("%s %s%s: ", strings.ToUpper(p.Provider), what, who))
	if err != nil {
		if clierr.Code(err) != clierr.Unexpected {
			return "", err // Ctrl-C, SIGTERM: their own exit codes
		}
		return "", usageErr("reading the %s: %v", what, err)
	}
	if s == "" {
		return "", usageErr("empty %s", what)
	}
	return s, nil
}

func stdinFlag(what string) string {
	switch {
	case strings.Contains(what, "key") || strings.Contains(what, "Key"):
		return "key-stdin"
	case strings.Contains(what, "password"):
		return "password-stdin"
	}
	return "secret-stdin"
}
