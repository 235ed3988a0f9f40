package cmd

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/shellenv"
)

type envOptions struct {
	Profile string
	Shell   string
	Prefix  string
	NoRenew bool
}

// newEnvCmd builds `env`; a test's runF gets the options instead of a run.
func newEnvCmd(app *App, runF func(*envOptions) error) *cobra.Command {
	opts := &envOptions{}
	cmd := &cobra.Command{
		Use:   "env [PROFILE]",
		Short: "Print variable assignments for a shell to eval",
		Long: `Print the profile's session as variable assignments, renewing it first if it
has expired. For a profile of provider P (prefix TDX_, AMS_ or YM_; --prefix
overrides): P_BASE_URL, P_TOKEN (what token show prints), P_AUTH_HEADER (the
first header line), one variable per request header with that header's value
(TDX_AUTHORIZATION; AMS_SESSION_HEADER, AMS_COOKIE and AMS_APP_ID, or
AMS_AUTHORIZATION and AMS_APP_ID for v1; YM_SS_ID and YM_AUTHORIZATION),
P_EXPIRES_AT (RFC 3339, when known) and the provider's own fields
(AMS_APPLICATION_ID, AMS_SKYPE_NAME, YM_SESSION_ID, YM_CLIENT_ID, …). These
alone authenticate a request. SESAME_PROFILE is not exported: it would
retarget every later sesame command in the shell ('exec' children get it).
Values are quoted so that they reach the shell exactly.

--shell is sh (also bash, zsh, dash, ksh), fish, powershell, cmd, dotenv or
github; it defaults from $SHELL, or where no SHELL is set (Windows) to
powershell when PSModulePath is set and to cmd when only ComSpec is. github appends to the file in $GITHUB_ENV
and prints ::add-mask:: for every secret, so later steps see the variables
and the log never shows them.`,
		Example: `  eval "$(sesame env tdx)"
  sesame env tdx --shell fish | source
  sesame env tdx --shell powershell | Invoke-Expression
  sesame env ams --shell dotenv > .env
  sesame env tdx --shell github        # in a GitHub Actions step`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runEnv(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Shell, "shell", "", "sh, bash, zsh, fish, powershell, cmd, dotenv or github (default: from $SHELL, else PSModulePath/ComSpec)")
	_ = cmd.RegisterFlagCompletionFunc("shell", cobra.FixedCompletions(append(shellenv.Shells(), "github"), cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVar(&opts.Prefix, "prefix", "", "variable name prefix (default: the provider's, e.g. TDX_)")
	cmd.Flags().BoolVar(&opts.NoRenew, "no-renew", false, "fail (exit 4) instead of renewing an expired session")
	return cmd
}

func runEnv(ctx context.Context, app *App, opts *envOptions) error {
	shell := opts.Shell
	if shell == "" {
		shell = shellenv.DefaultShell(app.Getenv)
	}
	shell = strings.ToLower(shell)
	if shell != "github" {
		// Check the shell before any session work, so a typo costs nothing.
		if _, err := shellenv.Format(shell, nil); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
	}
	l, err := app.session(ctx, opts.Profile, session.GetOptions{NoRenew: opts.NoRenew})
	if err != nil {
		return err
	}
	vars, err := sessionVars(l, opts.Prefix)
	if err != nil {
		return err
	}
	if shell == "github" {
		if err := shellenv.AppendGitHubEnv(app.Getenv("GITHUB_ENV"), app.IO.Out, vars); err != nil {
			return clierr.Wrap(clierr.Usage, err)
		}
		return nil
	}
	out, err := shellenv.Format(shell, vars)
	if err != nil {
		var ve *shellenv.ValueError
		if errors.As(err, &ve) {
			return clierr.Wrap(clierr.Usage, err)
		}
		return err
	}
	_, err = app.IO.Out.Write([]byte(out))
	return err
}

// sessionVars are the variables env and exec hand over (SPEC §3).
func sessionVars(l *liveSession, prefix string) ([]shellenv.Var, error) {
	if prefix == "" {
		prefix = strings.ToUpper(l.Profile.Provider) + "_"
	} else if !strings.HasSuffix(prefix, "_") {
		prefix += "_"
	}
	var vars []shellenv.Var
	seen := map[string]bool{}
	add := func(name, value string, secret bool) {
		if seen[name] {
			return // the first definition wins (a field named like a header)
		}
		seen[name] = true
		vars = append(vars, shellenv.Var{Name: prefix + name, Value: value, Secret: secret})
	}
	add("BASE_URL", l.BaseURL(), false)
	add("TOKEN", l.Token(), true)
	secrets := l.Secrets()
	for i, h := range l.Headers() {
		secret := holdsAny(h.Value, secrets)
		if i == 0 {
			add("AUTH_HEADER", h.Name+": "+h.Value, true)
		}
		// Every header a request needs has its own variable, so that the
		// variables alone authenticate a request (AMS v2 wants the cookie
		// and X-APP-ID beside session-header).
		add(headerVar(h.Name), h.Value, secret)
	}
	if t := l.ValidUntil(); !t.IsZero() {
		add("EXPIRES_AT", t.UTC().Format(time.RFC3339), false)
	}
	fields, secretFields := l.Fields(), l.SecretFields()
	for _, k := range sortedKeys(fields) {
		add(strings.ToUpper(k), fields[k], false)
	}
	for _, k := range sortedKeys(secretFields) {
		add(strings.ToUpper(k), secretFields[k], true)
	}
	return vars, nil
}

// headerVar names the variable that carries one request header's value:
// Authorization → AUTHORIZATION, Cookie → COOKIE, X-APP-ID → APP_ID,
// session-header → SESSION_HEADER, X-SS-ID → SS_ID.
func headerVar(name string) string {
	n := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	return strings.TrimPrefix(n, "X_")
}

func holdsAny(v string, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
