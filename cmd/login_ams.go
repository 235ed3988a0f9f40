package cmd

import (
	"github.com/spf13/cobra"
)

func newLoginAMSCmd(app *App) *cobra.Command {
	o := &loginOptions{Provider: "ams"}
	var api, appID string
	cmd := &cobra.Command{
		Use:   "ams --url https://SERVER/APPNAME --username U [--api v1|v2|v3]",
		Short: "Log in to Teamworks AMS",
		Long: `Log in to a Teamworks AMS app. --url is the app URL, https://SERVER/APPNAME
(the app name is its last path segment; a prefix before it is kept).

  --api v2 (default; v3 shares its auth): the session login, user/loginUser
      (with HTTP Basic and a JSON body), after getApplicationDescription
      when that hands over a token; later calls carry the session-header
      and JSESSIONID cookie. AMS sessions end after a period
      of inactivity, so sesame renews one unused for session_idle (20m).
  --api v1: HTTP Basic on every call; the login only verifies the
      credentials (api/v1/userauthentication).

X-APP-ID (--app-id, default "sesame") is sent on every request. Accounts on
an instance with MFA, SSO or Terms Documents must be exempted by an
administrator before they can use the API.`,
		Example: `  sesame login ams --url https://ams.example.com/myclub --username coach.carter
  printf '%s' "$AMS_PASSWORD" | sesame login ams --url https://ams.example.com/myclub --username svc.sync --api v1 --app-id myclub.sync --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch api {
			case "", "v2", "v3":
				o.Mode = "v2"
			case "v1":
				o.Mode = "v1"
			default:
				return usageErr("--api %q: want v1, v2 or v3", api)
			}
			if !cmd.Flags().Changed("api") {
				o.Mode = ""
			}
			o.Options = map[string]string{}
			if appID != "" {
				o.Options["app_id"] = appID
			}
			if api == "v3" { // the same session login; recorded so status can say v3
				o.Options["api"] = "v3"
			}
			return runLogin(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "app URL, https://SERVER/APPNAME")
	f.StringVar(&o.Username, "username", "", "AMS username")
	f.StringVar(&api, "api", "", "v1 (Basic auth) or v2/v3 (session; default)")
	f.StringVar(&appID, "app-id", "", `X-APP-ID sent on every request (default "sesame")`)
	addSecretFlags(cmd, o)
	return cmd
}
