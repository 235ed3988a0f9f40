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
	for _, prov := range app.providers().All() {
		cmd.AddCommand(newLoginProviderCmd(app, prov, nil))
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
	prov, err := app.providers().Get(o.Provider)
	if err != nil {
		return err
	}
	c, err := app.Config()
	if err != nil {
		return err
	}
	name := app.Profile
	if name == "" {
		name = o.Provider
	}
	if err := config.ValidName(name); err != nil {
		return err
	}
	p := &config.Profile{Name: name}
	old, existed := c.Profiles[name]
	if existed {
		if old.Provider != o.Provider {
			return usageErr("profile %s is a %s profile; choose another name with --profile, or remove it: sesame logout %s --forget", name, old.Provider, name)
		}
		cp := *old
		p = &cp
		p.Options = map[string]string{}
		for k, v := range old.Options {
			p.Options[k] = v
		}
	}
	p.Provider = o.Provider
	if err := checkNoUserInfo(o.URL); err != nil {
		return err
	}
	if o.URL != "" {
		p.URL = o.URL
	}
	if o.Mode != "" {
		p.Mode = o.Mode
	}
	if p.Mode == "" {
		p.Mode = prov.Modes()[0]
	}
	if o.Username != "" {
		p.Username = o.Username
	}
	for k, v := range o.Options {
		p.SetOption(k, v)
	}
	if o.Shared != "" {
		p.Shared = &config.Shared{URL: o.Shared, Namespace: o.SharedNamespace, Role: config.RoleRenewer}
	}
	if p.URL == "" {
		return usageErr("%s login needs --url", o.Provider)
	}
	if _, err := prov.BaseURL(p); err != nil {
		return err
	}

	// The store is opened and read before the secret is asked for and the
	// vendor contacted: a keychain that is not there must not cost a login.
	kind := app.storeKind(nil)
	st, err := app.Service().OpenStore(kind)
	if err != nil {
		return err
	}
	p.Store = st.Name()
	if err := app.Service().CheckStore(p); err != nil {
		return err
	}
	secret, err := readSecret(ctx, app, o, prov.SecretName(p.Mode), p)
	if err != nil {
		return err
	}
	if o.JoinSecret != nil {
		if secret, err = o.JoinSecret(secret); err != nil {
			return err
		}
	}
	stop := ui.StartSpinner(app.IO.ErrOut, app.IO.ErrTTY, "logging in to "+p.URL)
	// --no-save-secret sticks to the profile: logging in again does not
	// start saving the secret unless --save-secret asks for it.
	noSave := o.NoSaveSecret || (existed && old.NoSaveSecret && !o.SaveSecret)
	p.NoSaveSecret = noSave
	// YM exchange tokens are single-use: saved, one would only be refused
	// at the first renewal. Kept only when --save-secret says it can be reused.
	singleUseNote, singleUse := prov.Info().SingleUse[p.Mode]
	singleUse = singleUse && !o.SaveSecret
	if singleUse {
		noSave = true
	}
	s, err := app.Service().Login(ctx, p, secret, !noSave)
	stop()
	if err != nil {
		return err
	}
	c.Profiles[name] = p
	if err := c.Save(); err != nil {
		return err
	}
	st2 := ui.NewStyles(app.IO.ErrOut, ui.Colour(app.IO.ErrTTY))
	until := "until it is no longer used"
	if t := app.Service().ValidUntil(p, s); !t.IsZero() {
		until = "until " + ui.When(t, app.Now())
	}
	saved := "secret saved for renewal"
	switch {
	case singleUse:
		saved = singleUseNote
	case noSave:
		saved = "secret not saved"
	}
	// The keychain fall-back notice, once per profile: when this profile
	// starts keeping its credentials in files, not at every login.
	if !existed || old.Store != p.Store {
		app.flushStoreNotice("profile " + name + ": ")
	}
	app.storeNotice.Reset()
	fmt.Fprintf(app.IO.ErrOut, "%s Logged in to %s as %s (profile %s, %s mode, store %s, %s); session valid %s\n",
		st2.Good("✓"), redact.Text(p.URL), st2.Bold(redact.Text(displayUser(s, p))), name, profileModeText(app, p), p.Store, saved, until)
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

func displayUser(s *session.Session, p *config.Profile) string {
	if s.User != "" {
		return s.User
	}
	if p.Username != "" {
		return p.Username
	}
	return "(unknown)"
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
