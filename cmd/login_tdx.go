package cmd

import (
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/providers/tdx"
)

func newLoginTDXCmd(app *App) *cobra.Command {
	o := &loginOptions{Provider: "tdx"}
	var admin, sandbox bool
	var beid string
	cmd := &cobra.Command{
		Use:   "tdx --url URL (--username USER | --admin --beid BEID)",
		Short: "Log in to the TeamDynamix Web API",
		Long: `Log in to the TeamDynamix Web API as a user or service account (username and
password: POST /api/auth/login), or as an admin service account (BEID and Web
Services Key: POST /api/auth/loginadmin). The JWT that comes back is stored
and renewed when its exp claim passes.

--url is your instance, https://ORG.teamdynamix.com; sesame adds /TDWebApi,
or /SBTDWebApi with --sandbox. SSO accounts cannot use the API.

TeamDynamix allows 60 logins per IP address every 60 s; past that it answers
429, and sesame waits until its X-RateLimit-Reset plus 5 s (at most three
times, at most 90 s a wait) before trying again. A token that has already
expired by this machine's clock fails the login: fix the clock.`,
		Example: `  sesame login tdx --url https://myschool.teamdynamix.com --username alice
  printf '%s' "$TDX_WS_KEY" | sesame login tdx --url https://myschool.teamdynamix.com \
      --admin --beid df0b5273-d7d4-44a3-9dbb-73a57c2904a9 --key-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if admin && cmd.Flags().Changed("username") {
				return usageErr("--username and --admin are two ways to log in, pick one:\n" +
					"  user or service account: sesame login tdx --url URL --username USER   (password)\n" +
					"  admin service account:   sesame login tdx --url URL --admin --beid BEID   (Web Services Key, --key-stdin)")
			}
			if admin {
				o.Mode = tdx.ModeAdmin
				if beid == "" {
					return usageErr("--admin needs --beid BEID (the Web Services Key is read like a password)")
				}
				o.Username = beid
			} else {
				o.Mode = tdx.ModeUser
				if o.Username == "" && beid != "" {
					return usageErr("--beid goes with --admin")
				}
			}
			if cmd.Flags().Changed("sandbox") {
				o.Options = map[string]string{"sandbox": boolStr(sandbox)}
			}
			return runLogin(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "instance URL, https://ORG.teamdynamix.com")
	f.StringVar(&o.Username, "username", "", "user or service account name")
	f.BoolVar(&admin, "admin", false, "log in as an admin service account (BEID + Web Services Key)")
	f.StringVar(&beid, "beid", "", "BEID (tenant ID) for --admin")
	f.BoolVar(&sandbox, "sandbox", false, "use the TeamDynamix sandbox API (/SBTDWebApi)")
	addSecretFlags(cmd, o)
	return cmd
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
