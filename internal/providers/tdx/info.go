package tdx

import (
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
)

// Info implements providers.Provider.
func (*Provider) Info() providers.Info {
	return providers.Info{
		Name:           "tdx",
		SecretHeaders:  []string{"Authorization"},
		KeepWarmAhead:  time.Hour, // a day-long JWT: renewed with under an hour left
		SecretJSONKeys: []string{"password", "WebServicesKey", "BEID"},
		ModeText: func(p *config.Profile) string {
			mode := p.Mode
			if mode == "" {
				mode = ModeUser
			}
			if p.Option("sandbox", "") == "true" {
				mode += " (SBTDWebApi)"
			}
			return mode
		},
		// Check: GET api/auth/getuser, the Web API's "who am I" (the
		// TeamDynamix Web API's Auth section, seed 002's documentation page).
		Check: func(*config.Profile) providers.CheckCall {
			return providers.CheckCall{Method: "GET", Path: "/api/auth/getuser"}
		},
		AccountFlags: func(mode, user string) []string {
			if mode == ModeAdmin {
				return []string{"--admin", "--beid", user, "--key-stdin"}
			}
			return []string{"--username", user, "--password-stdin"}
		},
		Login: providers.LoginInfo{
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
			Flags: []providers.Flag{
				{Name: "url", Usage: "instance URL, https://ORG.teamdynamix.com"},
				{Name: "username", Usage: "user or service account name"},
				{Name: "admin", Bool: true, Usage: "log in as an admin service account (BEID + Web Services Key)"},
				{Name: "beid", Usage: "BEID (tenant ID) for --admin"},
				{Name: "sandbox", Bool: true, Usage: "use the TeamDynamix sandbox API (/SBTDWebApi)"},
			},
			Parse: parseLogin,
		},
	}
}

func parseLogin(in *providers.LoginInput) (*providers.LoginRequest, error) {
	r := &providers.LoginRequest{URL: in.String("url"), Username: in.String("username")}
	beid := in.String("beid")
	if in.Bool("admin") && in.Changed("username") {
		return nil, providers.UsageError("--username and --admin are two ways to log in, pick one:\n" +
			"  user or service account: sesame login tdx --url URL --username USER   (password)\n" +
			"  admin service account:   sesame login tdx --url URL --admin --beid BEID   (Web Services Key, --key-stdin)")
	}
	if in.Bool("admin") {
		r.Mode = ModeAdmin
		if beid == "" {
			return nil, providers.UsageError("--admin needs --beid BEID (the Web Services Key is read like a password)")
		}
		r.Username = beid
	} else {
		r.Mode = ModeUser
		if r.Username == "" && beid != "" {
			return nil, providers.UsageError("--beid goes with --admin")
		}
	}
	if in.Changed("sandbox") {
		r.Options = map[string]string{"sandbox": providers.BoolString(in.Bool("sandbox"))}
	}
	return r, nil
}
