package ams

import (
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// rateLimit is AMS's dialect: Teamworks documents no rate-limit headers,
// so nothing is paced ahead; a 429 (or a 503 with Retry-After) is waited
// out as it says, and the whole API is one budget.
var rateLimit = &ratelimit.Dialect{Vendor: "Teamworks AMS"}

// Info implements providers.Provider.
func (*Provider) Info() providers.Info {
	return providers.Info{
		Name:           "ams",
		SecretHeaders:  []string{"Authorization", "Session-Header", "Cookie", "Set-Cookie"},
		SecretJSONKeys: []string{"password", "sessionId", "token"},
		WindowSettings: []string{"session_idle"},
		RefusedPath:    refusedPath,
		AuthErrorIn200: true, // an rpc exception in a 200 (ams.go IsAuthError)
		RateLimit:      rateLimit,
		ModeText: func(p *config.Profile) string {
			if p.Option("api", "") == "v3" {
				return "v3"
			}
			return p.Mode
		},
		// Check: Teamworks' own R client, smartabaseR. v1: its "get_current"
		// endpoint, POST {url}/api/v1/currentuser?informat=json&format=json
		// (R/utils.R .build_url; every smartabaseR call is a POST with a
		// JSON body). v2/v3: the first call smartabaseR makes with a fresh
		// session, GET {url}/api/v3/endpoints?version=v1 with session-header
		// and JSESSIONID (R/login.R .get_endpoint). Both only read.
		Check: func(p *config.Profile) providers.CheckCall {
			if p.Mode == ModeV1 {
				return providers.CheckCall{Method: "POST", Path: "/api/v1/currentuser?informat=json&format=json", Body: []byte("{}")}
			}
			return providers.CheckCall{Method: "GET", Path: "/api/v3/endpoints?version=v1"}
		},
		AccountFlags: func(mode, user string) []string {
			return []string{"--api", mode, "--username", user, "--password-stdin"}
		},
		Login: providers.LoginInfo{
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
			Flags: []providers.Flag{
				{Name: "url", Usage: "app URL, https://SERVER/APPNAME"},
				{Name: "username", Usage: "AMS username"},
				{Name: "api", Usage: "v1 (Basic auth) or v2/v3 (session; default)"},
				{Name: "app-id", Usage: `X-APP-ID sent on every request (default "sesame")`},
			},
			Parse: parseLogin,
		},
	}
}

func parseLogin(in *providers.LoginInput) (*providers.LoginRequest, error) {
	r := &providers.LoginRequest{URL: in.String("url"), Username: in.String("username"), Options: map[string]string{}}
	api := in.String("api")
	switch api {
	case "", "v2", "v3":
		r.Mode = "v2"
	case "v1":
		r.Mode = "v1"
	default:
		return nil, providers.UsageError("--api %q: want v1, v2 or v3", api)
	}
	if !in.Changed("api") {
		r.Mode = ""
	}
	if id := in.String("app-id"); id != "" {
		r.Options["app_id"] = id
	}
	if api == "v3" { // the same session login; recorded so status can say v3
		r.Options["api"] = "v3"
	}
	return r, nil
}

// refusedPath: v1's credential check (api/v1/userauthentication) and the
// v2/v3 session login (user/loginUser).
func refusedPath(p string) bool {
	return strings.Contains(p, "userauthentication") || strings.Contains(p, "loginuser")
}
