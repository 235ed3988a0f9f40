package tdx

import (
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// rateLimit is TeamDynamix's dialect, from its Web API "Rate Limiting"
// guide (University of Illinois' copy, help.uillinois.edu/TDWebApi/swagger/
// guides/rate-limiting, and the TeamDynamix KB): limits are per method
// ("a rate limit on one method does not affect any other method"), every
// rate-limited answer carries X-RateLimit-Limit, -Remaining and -Reset (an
// RFC 1123 date), a refused call is 429, and clients should wait until the
// reset plus at least 5 s. A method is the endpoint template: the HTTP
// method and the path below /TDWebApi with every numeric or GUID segment
// as {id} (GET api/people/{uid}, GET api/{appId}/tickets/{id}), lower-cased
// because the Web API routes case-insensitively.
var rateLimit = &ratelimit.Dialect{
	Vendor:          "TeamDynamix",
	LimitHeader:     "X-RateLimit-Limit",
	RemainingHeader: "X-RateLimit-Remaining",
	ResetHeader:     "X-RateLimit-Reset",
	Margin:          5 * time.Second,
	Method:          ratelimit.IDPath,
}

// Info implements providers.Provider.
func (*Provider) Info() providers.Info {
	return providers.Info{
		Name:           "tdx",
		SecretHeaders:  []string{"Authorization"},
		KeepWarmAhead:  time.Hour, // a day-long JWT: renewed with under an hour left
		RefusedPath:    refusedPath,
		SecretJSONKeys: []string{"password", "WebServicesKey", "BEID"},
		// tdxlib renews when exp < now + 60 s (cedarville-university/tdxlib,
		// tdxlib/tdx_integration.py, _check_auth_exp): a token with less
		// than a minute left is not handed out.
		RenewAhead: time.Minute,
		// A TDX JWT lasts a day: exp − nbf = 86400 in every public token
		// (e.g. the 2025 sandbox token in testdata/wire/tdx/login-2025-token.json).
		SessionLength: 24 * time.Hour,
		RateLimit:     rateLimit,
		ModeText: func(p *config.Profile) string {
			mode := p.Mode
			if mode == "" {
				mode = ModeUser
			}
			if Sandbox(p) {
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
or /SBTDWebApi with --sandbox. A URL that already ends in /TDWebApi
(production) or /SBTDWebApi (the sandbox, a separate API with its own data)
is that API; --sandbox with a /TDWebApi URL is refused. BEID and Web
Services Key are GUIDs, checked before any login. SSO accounts cannot use
the API.

TeamDynamix allows 60 logins per IP address every 60 s; past that it answers
429, and sesame waits until its X-RateLimit-Reset plus 5 s (at most three
times, at most 90 s a wait) before trying again. A token that had already
expired by this machine's clock when it was asked for fails the login: fix
the clock. One that expired while sesame waited for it (the machine slept,
the process was stopped) fails with a message saying so: log in again.
A token with under a minute left is renewed before it is handed out.`,
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
	if beid != "" && !IsGUID(beid) {
		return nil, beidError(beid)
	}
	// A URL that names the API folder decides production or sandbox; the
	// sandbox option follows it, so that a profile never holds both.
	if raw := strings.TrimRight(r.URL, "/"); raw != "" {
		_, folder := splitAPIFolder(raw)
		switch {
		case folder == ProductionFolder && in.Bool("sandbox"):
			return nil, sandboxConflict(r.URL)
		case folder == SandboxFolder && in.Changed("sandbox") && !in.Bool("sandbox"):
			return nil, providers.UsageError("--sandbox=false asks for the production API (/%s), but --url %s names the sandbox API (/%s); give the production URL: https://ORG.teamdynamix.com/%s", ProductionFolder, r.URL, SandboxFolder, ProductionFolder)
		case folder == SandboxFolder:
			r.Options = map[string]string{"sandbox": "true"}
			return r, nil
		case folder == ProductionFolder:
			r.Options = map[string]string{"sandbox": ""}
			return r, nil
		}
	}
	if in.Changed("sandbox") {
		r.Options = map[string]string{"sandbox": providers.BoolString(in.Bool("sandbox"))}
	}
	return r, nil
}

// refusedPath: every api/auth endpoint mints or tests a token (login,
// loginadmin, loginsso), except api/auth/getuser, which only reads who the
// session is.
func refusedPath(p string) bool {
	_, rest, ok := strings.Cut(p, "/api/auth")
	return ok && rest != "/getuser"
}
