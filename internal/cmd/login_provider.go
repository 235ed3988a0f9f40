package cmd

import (
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
)

// sharedLoginFlags are the flags addSecretFlags registers on every login;
// a provider's Parse sees their values too.
var sharedLoginFlags = []string{"password-stdin", "key-stdin", "secret-stdin", "no-save-secret", "save-secret", "shared", "shared-namespace"}

// newLoginProviderCmd builds `sesame login <provider>` from the provider's
// Info: its flags, help and validation are the provider's; reading the
// secret, the store and the messages are runLogin's.
// A test's runF gets the options instead of a login.
func newLoginProviderCmd(app *App, info session.LoginCommand, runF func(*loginOptions) error) *cobra.Command {
	o := &loginOptions{Provider: info.Provider}
	strs := map[string]*string{}
	bools := map[string]*bool{}
	cmd := &cobra.Command{
		Use:     info.Use,
		Short:   info.Short,
		Long:    info.Long,
		Example: info.Example,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			values, set := map[string]string{}, map[string]bool{}
			for name, v := range strs {
				values[name] = *v
			}
			for name, v := range bools {
				values[name] = strconv.FormatBool(*v)
			}
			for _, name := range sharedLoginFlags {
				values[name] = cmd.Flags().Lookup(name).Value.String()
			}
			cmd.Flags().Visit(func(f *pflag.Flag) { set[f.Name] = true })
			var prof *config.Profile
			if c, err := app.Config(); err == nil {
				prof = c.Profiles[profileName(app, info.Provider)]
			}
			req, err := info.Parse(values, set, prof)
			if err != nil {
				return err
			}
			o.Mode, o.URL, o.Username, o.Options = req.Mode, req.URL, req.Username, req.Options
			o.SecretStdin = o.SecretStdin || req.SecretStdin
			if s := req.Second; s != nil {
				o.JoinSecret = func(secret string) (string, error) {
					second := s.Value
					if s.Stdin {
						b, err := io.ReadAll(io.LimitReader(app.IO.In, maxStdinSecret))
						if err != nil {
							return "", usageErr("reading the %s from stdin: %v", s.What, err)
						}
						second = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
					}
					return s.Join(secret, second)
				}
			}
			if runF != nil {
				return runF(o)
			}
			return runLogin(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	for _, fl := range info.Flags {
		if fl.Bool {
			bools[fl.Name] = f.Bool(fl.Name, false, fl.Usage)
		} else {
			strs[fl.Name] = f.String(fl.Name, "", fl.Usage)
		}
	}
	addSecretFlags(cmd, o)
	for _, group := range info.Exclusive {
		cmd.MarkFlagsMutuallyExclusive(group...)
	}
	return cmd
}

func profileName(app *App, provider string) string {
	if app.Profile != "" {
		return app.Profile
	}
	return provider
}

// profileModeText is how status and login name a profile's mode.
func profileModeText(app *App, p *config.Profile) string { return app.Service().ModeText(p) }
