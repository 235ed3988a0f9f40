package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
)

type tokenShowOptions struct {
	Profile  string
	Format   string
	NoRenew  bool
	MinValid time.Duration
	JQ       string
}

func newTokenCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Work with the stored session token",
		Long: `Work with a profile's stored session. 'sesame token show' prints it for a
script or another tool, renewing it first when it has expired and a secret
is saved.`,
		Example: `  sesame token show
  sesame token show tdx --format header
  sesame token show tdx --format curl | curl -K - https://myschool.teamdynamix.com/TDWebApi/api/auth/getuser`,
	}
	cmd.AddCommand(newTokenShowCmd(app, nil))
	return cmd
}

func newTokenShowCmd(app *App, runF func(*tokenShowOptions) error) *cobra.Command {
	opts := &tokenShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [PROFILE]",
		Short: "Print the current session for use elsewhere",
		Long: `Print the profile's session for scripts, renewing it first when it has expired
and a secret is saved (--no-renew fails with exit 4 instead).

Formats:
  raw     the one token a script needs (TDX JWT, AMS v2 session, YM SessionId)
  header  one "Name: value" line per header to send
  json    every field, with expires_at
  curl    a curl config (header = "…" lines) for curl -K -, so secrets stay off argv`,
		Example: `  curl -H "Authorization: Bearer $(sesame token show tdx)" https://myschool.teamdynamix.com/TDWebApi/api/auth/getuser
  sesame token show tdx --format curl | curl -K - https://myschool.teamdynamix.com/TDWebApi/api/auth/getuser
  sesame token show --min-valid 5m --format json | jq .expires_at
  sesame token show --jq .expires_at`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		// Called in loops: no Ctrl-C handler until a renewal needs one.
		Annotations: map[string]string{lazyInterruptAnnotation: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			// --format JSON works, as profile names do: case is not a choice.
			opts.Format = strings.ToLower(opts.Format)
			if opts.JQ != "" {
				// --jq filters the json format, and implies it.
				if cmd.Flags().Changed("format") && opts.Format != "json" {
					return usageErr("--jq filters --format json; drop --format %s", opts.Format)
				}
				opts.Format = "json"
				if _, err := parseJQ(opts.JQ); err != nil {
					return err
				}
			}
			switch opts.Format {
			case "raw", "header", "json", "curl":
			default:
				return usageErr("unknown --format %q: want raw, header, json or curl", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return runTokenShow(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "raw", "raw, header, json or curl")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"raw", "header", "json", "curl"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().BoolVar(&opts.NoRenew, "no-renew", false, "fail (exit 4) instead of renewing an expired session")
	cmd.Flags().DurationVar(&opts.MinValid, "min-valid", 0, "renew first when the session would expire sooner than this")
	cmd.Flags().StringVarP(&opts.JQ, "jq", "q", "", "filter --format json with a jq expression (implies it)")
	return cmd
}

// liveSession is a profile with a usable session.
type liveSession = session.Live

// session resolves a profile and returns a usable session for it.
func (a *App) session(ctx context.Context, profileArg string, opts session.GetOptions) (*liveSession, error) {
	p, err := a.resolveProfile(profileArg)
	if err != nil {
		return nil, err
	}
	return a.sessionFor(ctx, p, opts)
}

func (a *App) sessionFor(ctx context.Context, p *config.Profile, opts session.GetOptions) (*liveSession, error) {
	return a.Service().Live(ctx, p, opts)
}

func runTokenShow(ctx context.Context, app *App, opts *tokenShowOptions) error {
	l, err := app.session(ctx, opts.Profile, session.GetOptions{NoRenew: opts.NoRenew, MinValid: opts.MinValid})
	if err != nil {
		return err
	}
	if opts.JQ != "" {
		out := jsonOutput{jq: opts.JQ}
		return out.write(app.IO.Out, tokenJSON(l))
	}
	return writeToken(app.IO.Out, l, opts.Format)
}

func writeToken(w io.Writer, l *liveSession, format string) error {
	var b strings.Builder
	switch format {
	case "raw":
		b.WriteString(l.Token() + "\n")
	case "header":
		for _, h := range l.Headers() {
			b.WriteString(h.Name + ": " + h.Value + "\n")
		}
	case "curl":
		b.WriteString(curlConfig(l.Headers()))
	case "json":
		enc, err := json.MarshalIndent(tokenJSON(l), "", "  ")
		if err != nil {
			return err
		}
		b.Write(enc)
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tokenJSON is the --format json document: stable snake_case names, the
// provider's own fields beside the common ones.
func tokenJSON(l *liveSession) map[string]any {
	m := map[string]any{
		"profile":   l.Profile.Name,
		"provider":  l.Profile.Provider,
		"mode":      l.Profile.Mode,
		"base_url":  l.BaseURL(),
		"user":      l.User(),
		"token":     l.Token(),
		"issued_at": l.IssuedAt().UTC().Format(time.RFC3339),
	}
	if t := l.ValidUntil(); !t.IsZero() {
		m["expires_at"] = t.UTC().Format(time.RFC3339)
	} else {
		m["expires_at"] = nil
	}
	hs := map[string]string{}
	for _, h := range l.Headers() {
		hs[h.Name] = h.Value
	}
	m["headers"] = hs
	for k, v := range l.Fields() {
		m[k] = v
	}
	for k, v := range l.SecretFields() {
		m[k] = v
	}
	return m
}

// curlConfig renders headers as a curl config file (curl -K): each value in
// double quotes with curl's escapes, so any byte survives.
func curlConfig(hs []session.Header) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "header = \"%s\"\n", curlEscape(h.Name+": "+h.Value))
	}
	return b.String()
}

func curlEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\v", `\v`)
	return r.Replace(s)
}
