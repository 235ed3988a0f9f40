// Package tdx is the TeamDynamix Web API adapter. It implements "Logging into
// the Web API" (TeamDynamix KB article 1715, seed 002): POST api/auth/login
// with a username and password, or api/auth/loginadmin with a BEID and Web
// Services Key; the answer is a JWT in a text/plain body, sent afterwards as
// "Authorization: Bearer JWT". Its expiry is the JWT's exp claim.
//
// The API base is {url}/TDWebApi, or {url}/SBTDWebApi for the sandbox
// instance. TeamDynamix has no SSO for the API: SSO accounts cannot log in.
package tdx

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Login modes.
const (
	ModeUser  = "user"
	ModeAdmin = "admin"
)

// Provider is the TeamDynamix adapter.
type Provider struct{}

// New returns the adapter.
func New() *Provider { return &Provider{} }

// Name implements providers.Provider.
func (*Provider) Name() string { return "tdx" }

// Modes implements providers.Provider.
func (*Provider) Modes() []string { return []string{ModeUser, ModeAdmin} }

// SecretName implements providers.Provider.
func (*Provider) SecretName(mode string) string {
	if mode == ModeAdmin {
		return "Web Services Key"
	}
	return "password"
}

// BaseURL implements providers.Provider: {url}/TDWebApi or {url}/SBTDWebApi.
//
// The two are different APIs on one host: /TDWebApi is production and
// /SBTDWebApi the sandbox, with its own data (public clients such as
// cedarville-university/tdxlib pick one or the other from a sandbox
// setting; a public 2025 script working on the sandbox posts to
// https://services.dartmouth.edu/SBTDWebApi/api; TeamDynamix's C#
// quick-start sample, TDApiHelpers, takes the API base as "[your
// TeamDynamix domain]/TDWebApi/"). A URL that already names the folder, in
// any case and with or without a trailing slash, is that API; a bare
// instance URL takes /SBTDWebApi when the profile's sandbox option is set,
// else /TDWebApi. A URL naming /TDWebApi in a profile that
// asks for the sandbox is refused (exit 2) rather than guessed.
func (*Provider) BaseURL(p *config.Profile) (string, error) {
	u, err := transport.CheckURL(p.URL)
	if err != nil {
		return "", err
	}
	base := strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	host, folder := splitAPIFolder(base)
	want := p.Option("sandbox", "") == "true"
	switch {
	case folder == "":
		if want {
			return host + "/" + SandboxFolder, nil
		}
		return host + "/" + ProductionFolder, nil
	case folder == ProductionFolder && want:
		return "", sandboxConflict(p.URL)
	}
	return host + "/" + folder, nil
}

// The API folders of an instance.
const (
	ProductionFolder = "TDWebApi"
	SandboxFolder    = "SBTDWebApi"
)

// splitAPIFolder parts a URL without a trailing slash into the instance and
// the API folder it names (ProductionFolder or SandboxFolder, matched in any
// case); folder is "" when the URL names none.
func splitAPIFolder(base string) (host, folder string) {
	i := strings.LastIndex(base, "/")
	if i < 0 {
		return base, ""
	}
	for _, f := range []string{SandboxFolder, ProductionFolder} {
		if strings.EqualFold(base[i+1:], f) && strings.Contains(base[:i], "://") {
			return base[:i], f
		}
	}
	return base, ""
}

// Sandbox reports whether the profile's API is the TeamDynamix sandbox
// (/SBTDWebApi), by its URL or its sandbox option.
func Sandbox(p *config.Profile) bool {
	b, err := New().BaseURL(p)
	return err == nil && strings.HasSuffix(b, "/"+SandboxFolder)
}

func sandboxConflict(url string) error {
	return providers.UsageError("--sandbox asks for the sandbox API (/%s), but --url %s names the production API (/%s); drop --sandbox to use production, or give the sandbox URL: https://ORG.teamdynamix.com/%s",
		SandboxFolder, url, ProductionFolder, SandboxFolder)
}

// guidRE is a GUID as .NET's Guid parser reads it: 32 hex digits, plain
// ("N") or in 8-4-4-4-12 groups ("D"), the latter also in braces or
// parentheses ("B", "P").
var guidRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\))$`)
})

// IsGUID reports whether s has the shape of a GUID. TeamDynamix types both
// AdminTokenParameters members, BEID and WebServicesKey, as required Guids
// (https://solutions.teamdynamix.com/TDWebApi/Home/type/TeamDynamix.Api.Auth.AdminTokenParameters;
// public C# clients such as clstr/TeamDynamixLib build them with
// Guid.Parse before logging in), so anything else
// cannot log in: checking the shape here saves a login (TDX allows 60 a
// minute per address) spent on a typo.
func IsGUID(s string) bool { return guidRE().MatchString(strings.TrimSpace(s)) }

// beidError is the usage error for a BEID that is not a GUID; the BEID is
// not a secret (it is the tenant's id) and is quoted.
func beidError(beid string) error {
	return providers.UsageError("--beid %q is not a GUID: TeamDynamix's BEID is a GUID such as df0b5273-d7d4-44a3-9dbb-73a57c2904a9 (TDAdmin > Organization Details); no login was attempted", beid)
}

// Login implements providers.Provider.
func (pr *Provider) Login(ctx context.Context, env *providers.Env, p *config.Profile, secret string) (*providers.Session, error) {
	base, err := pr.BaseURL(p)
	if err != nil {
		return nil, err
	}
	var path string
	var body any
	switch p.Mode {
	case ModeUser, "":
		if p.Username == "" {
			return nil, clierr.New(clierr.Usage, "tdx user login needs --username")
		}
		path, body = "/api/auth/login", userLogin{Username: p.Username, Password: secret}
	case ModeAdmin:
		if p.Username == "" {
			return nil, clierr.New(clierr.Usage, "tdx admin login needs --beid")
		}
		if !IsGUID(p.Username) {
			return nil, beidError(p.Username)
		}
		// The key is a secret: its shape is checked, never quoted.
		if !IsGUID(secret) {
			return nil, providers.UsageError("the Web Services Key given is not a GUID (TeamDynamix's keys are GUIDs, 8-4-4-4-12 hex digits, shown in TDAdmin > Organization Details): check that the whole key was pasted; no login was attempted")
		}
		path, body = "/api/auth/loginadmin", adminLogin{BEID: strings.TrimSpace(p.Username), WebServicesKey: strings.TrimSpace(secret)}
	default:
		return nil, clierr.New(clierr.Usage, "unknown tdx mode %q (want user or admin)", p.Mode)
	}
	data, _ := json.Marshal(body)
	env.HTTP.AddSecret(secret)
	// When the request went out, by this machine's clock: a token that is
	// past its exp on arrival but was not when asked for expired while
	// this process waited (a laptop asleep, a stopped job, a long rate-limit
	// wait), which is not a wrong clock.
	sent := env.Now()
	resp, err := env.HTTP.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		URL:    base + path,
		// The current Web API documentation requires application/json and
		// every public client sends it; the older KB article's text/json
		// is refused (HTTP 415) by instances that follow the documentation.
		Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"text/plain, application/json"}},
		Body:   data,
		Retry:  true,
	})
	if err != nil {
		return nil, fmt.Errorf("tdx login: %w", err)
	}
	if err := statusError(resp, p, secret, env.Now()); err != nil {
		return nil, err
	}
	// The seed documents a bare JWT in a text/plain body; some TDX versions
	// and proxies wrap it in JSON string quotes. Either way the token is the
	// body without whitespace or quotes.
	jwt := strings.Trim(strings.TrimSpace(string(resp.Body)), `"`)
	env.HTTP.AddSecret(jwt)
	exp, name, err := ParseJWT(jwt)
	if err != nil {
		return nil, clierr.New(clierr.Network, "tdx login to %s: the answer is not a usable JWT (%v); is --url the TeamDynamix instance?", origin.Host(base), err)
	}
	// unique_name is who TDX says the token acts as (for an admin service
	// account, its display name); fall back to what the user typed.
	user := name
	if user == "" {
		user = p.Username
	}
	now := env.Now()
	switch {
	case exp.After(now):
	case exp.After(sent):
		// Valid when asked for, dead on arrival: this process (or the
		// machine) was paused in between. Trying again is the fix.
		return nil, clierr.New(clierr.Network, "tdx login to %s: the token TeamDynamix issued expired while this process waited for it: the login was sent at %s and its answer read at %s (%s later), past the token's end at %s; was the machine asleep or the process stopped? Log in again",
			origin.Host(base), clock(sent), clock(now), shortWait(now.Sub(sent)), clock(exp))
	default:
		// A token already past its exp when it was asked for would be
		// "valid until" a past date and make every later call log in
		// again: one of the two clocks is wrong, and only a person can
		// fix it.
		return nil, clierr.New(clierr.Network, "tdx login to %s: the token TeamDynamix just issued expired %s (%s) by this machine's clock; this machine's clock (or the server's) is wrong: check the date, time and time zone here (the clock reads %s), then log in again",
			origin.Host(base), exp.Local().Format("2006-01-02 15:04 MST"), ago(now.Sub(exp)), now.Local().Format("2006-01-02 15:04 MST"))
	}
	return &providers.Session{
		Provider:  "tdx",
		Mode:      providers.ModeOf(pr, p),
		Token:     jwt,
		User:      user,
		IssuedAt:  now,
		ExpiresAt: exp,
		RateLimit: providers.ReadRateLimit(resp.Header, now),
	}, nil
}

// clock is a time for people, to the second.
func clock(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// shortWait words how long a wait lasted.
func shortWait(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// ago words how long ago a token expired.
func ago(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	}
	return "just now"
}

// statusError maps a non-200 login answer to an error a user can act on.
func statusError(resp *transport.Response, p *config.Profile, secret string, now time.Time) error {
	host := origin.Host(p.URL)
	msg := vendorMessage(resp.Body)
	// A server that echoes the request in its error must not make us
	// print the secret.
	msg = redact.New(secret).String(msg)
	switch {
	case resp.Status == http.StatusOK:
		if resp.LooksHTML() {
			return clierr.New(clierr.Network, "tdx login to %s: got an HTML page instead of a token; is --url the TeamDynamix instance (https://ORG.teamdynamix.com)?", host)
		}
		return nil
	// TDX answers bad credentials with 401 (and some deployments with
	// 403); the body is a one-line plain-text reason worth quoting.
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		what := "username or password"
		if p.Mode == ModeAdmin {
			what = "BEID or Web Services Key"
		}
		hint := "; SSO accounts cannot use the API (TeamDynamix KB 1715): use a non-SSO user or service account"
		if p.Mode == ModeAdmin {
			hint = "; check the BEID and Web Services Key in TDAdmin > Organization Details"
		}
		return clierr.New(clierr.Rejected, "tdx login to %s refused: wrong %s (HTTP %d%s)%s", host, what, resp.Status, msg, hint)
	case resp.Status == http.StatusNotFound:
		return clierr.New(clierr.Network, "tdx login to %s: HTTP 404; is --url the TeamDynamix instance, and is --sandbox right?", host)
	// 415 is the request's format, not the credentials: exit 5 (an answer
	// sesame cannot use, which a person may fix: a proxy rewriting
	// Content-Type), never 3, which would send the user after a password.
	case resp.Status == http.StatusUnsupportedMediaType:
		return clierr.New(clierr.Network, "tdx login to %s: the server refused the request's content type (HTTP 415 Unsupported Media Type%s); sesame sends Content-Type: application/json, as the Web API documentation asks: is a proxy in between rewriting it, or is --url not the TeamDynamix instance?", host, msg)
	case resp.Status == http.StatusTooManyRequests:
		when := "wait a minute"
		if rl := providers.ReadRateLimit(resp.Header, now); rl != nil && !rl.Reset.IsZero() {
			when = "the limit resets at " + rl.Reset.Local().Format("15:04:05 MST") + "; try again after that"
		}
		return clierr.New(clierr.Network, "tdx login to %s: rate limited (HTTP 429) after three retries; TeamDynamix allows 60 logins per IP address every 60 s, shared by everything behind that address: %s", host, when)
	case resp.Status >= 500:
		return clierr.New(clierr.Network, "tdx login to %s: server error (HTTP %d%s); try again later", host, resp.Status, msg)
	// Any other 4xx is the server refusing this request as formed (e.g. a
	// 400 for a malformed BEID): retrying will not help, so it is exit 3.
	case resp.Status >= 400:
		return clierr.New(clierr.Rejected, "tdx login to %s refused (HTTP %d%s)", host, resp.Status, msg)
	}
	return clierr.New(clierr.Network, "tdx login to %s: unexpected HTTP %d", host, resp.Status)
}

// vendorMessage is a short, single-line quote of a plain-text error body,
// or "" for HTML and long bodies (those are pages, not messages).
func vendorMessage(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" || len(s) > 200 || strings.HasPrefix(s, "<") {
		return ""
	}
	var m struct{ Message string }
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		s = m.Message
	}
	s = strings.Join(strings.Fields(s), " ")
	return ": " + strings.Trim(s, `"`)
}

// ParseJWT reads the exp and unique_name claims of a JWT without checking its
// signature (sesame carries the token; the vendor verifies it).
func ParseJWT(jwt string) (exp time.Time, name string, err error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return time.Time{}, "", errors.New("not three dot-separated parts")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, "", errors.New("claims are not base64url")
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return time.Time{}, "", errors.New("claims are not JSON")
	}
	if c.Exp == nil {
		return time.Time{}, "", errors.New("no exp claim")
	}
	// exp is NumericDate (RFC 7519): seconds, possibly fractional. Reject
	// values no real token carries, so a garbage claim cannot pin a
	// session "valid" for centuries.
	if math.IsNaN(*c.Exp) || math.IsInf(*c.Exp, 0) || *c.Exp <= 0 || *c.Exp > 1e11 {
		return time.Time{}, "", errors.New("exp claim out of range")
	}
	return time.Unix(int64(*c.Exp), 0).UTC(), c.UniqueName, nil
}

// Headers implements providers.Provider.
func (*Provider) Headers(_ *config.Profile, s *providers.Session) []providers.Header {
	return []providers.Header{{Name: "Authorization", Value: "Bearer " + s.Token}}
}

// ValidUntil implements providers.Provider: the JWT's exp.
func (*Provider) ValidUntil(s *providers.Session, _ providers.Windows) time.Time {
	return s.ExpiresAt
}

// IsAuthError implements providers.Provider: TDX answers 401 to a missing,
// expired or revoked JWT.
func (*Provider) IsAuthError(status int, _ http.Header, _ []byte) bool {
	return status == http.StatusUnauthorized
}

var _ providers.Provider = (*Provider)(nil)
