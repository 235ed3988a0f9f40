// Package ams is the Teamworks AMS (formerly Smartabase) adapter. It
// implements "Authentication" (seed 000, ../shared/seeds/000_65d7a768e090bc27.txt):
//
//   - v1: HTTP Basic on every call. Login only verifies the credentials with
//     POST {url}/api/v1/userauthentication?informat=json&format=json (Basic
//     and a {"username","password"} body, as the seed's curl); the "session"
//     is the Basic credential itself and has no known end.
//   - v2 (also serves v3): POST {url}/api/v2/user/loginUser with HTTP Basic
//     and a JSON body logs the user in; its answer's session-header (or
//     Set-Cookie: JSESSIONID) is the session. The seed's step 1, POST
//     {url}/api/v2/application/getApplicationDescription, is sent first and
//     its token (session-header, else JSESSIONID cookie) passed on when it
//     gives one; no public client calls it, so nothing depends on it. Later
//     calls send both headers. Sessions end after an unannounced idle time.
//
// Facts beyond the seed come from Teamworks' own R client (smartabaseR,
// R/login.R and R/utils.R), see SPEC §2: a failure may be HTTP 401 or HTTP
// 200 with {"__is_rpc_exception__": true, "value": {"detailMessage": …}};
// loginUser answers with its own session-header (and Set-Cookie), which is
// the session from then on.
//
// Every request, the login steps included, carries X-APP-ID (the profile's
// app_id option, default "sesame"): the seed asks integrations to identify
// themselves so that Teamworks support can find their requests.
//
// The profile URL is the app URL, https://SERVER[/prefix]/APPNAME; the app
// name (the last path segment) is also sent in the v2 login bodies.
//
// Wire fixtures taken from public sources are in testdata/wire/ams.
package ams

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Login modes. ModeV2 is the default; its session also serves v3 endpoints.
const (
	ModeV2 = "v2"
	ModeV1 = "v1"
)

// DefaultAppID is the X-APP-ID sent when the profile sets no app_id option.
const DefaultAppID = "sesame"

// DefaultIdle is the idle window used when the caller passes none (SPEC §4:
// session_idle defaults to 20m). AMS does not publish its timeout.
const DefaultIdle = 20 * time.Minute

// Provider is the Teamworks AMS adapter.
type Provider struct{}

// New returns the adapter.
func New() *Provider { return &Provider{} }

// Name implements providers.Provider.
func (*Provider) Name() string { return "ams" }

// Modes implements providers.Provider: v2 first, as the default.
func (*Provider) Modes() []string { return []string{ModeV2, ModeV1} }

// SecretName implements providers.Provider: both modes use the AMS password.
func (*Provider) SecretName(string) string { return "password" }

// BaseURL implements providers.Provider: the app URL itself,
// scheme://host[/prefix]/APPNAME, without a query, a fragment, a trailing
// slash, or a pasted API path (/api/… and what follows).
func (*Provider) BaseURL(p *config.Profile) (string, error) {
	base, _, err := appURL(p.URL)
	return base, err
}

// appURL splits a profile URL into the API base and the app name. Like
// Teamworks' own clients (smartabaseR: basename(url)), the app name is the
// LAST path segment and the whole URL is kept as the base, so an instance
// served under a prefix (https://host/prefix/app) keeps it.
func appURL(raw string) (base, app string, err error) {
	u, err := transport.CheckURL(raw)
	if err != nil {
		return "", "", err
	}
	path := strings.Trim(u.EscapedPath(), "/")
	// A pasted endpoint URL: the app URL is what comes before /api/.
	if i := strings.Index("/"+path+"/", "/api/"); i >= 0 {
		path = strings.Trim(path[:max(i-1, 0)], "/")
	}
	seg := path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		seg = path[i+1:]
	}
	if seg != "" {
		app, err = url.PathUnescape(seg)
	}
	if seg == "" || err != nil || app == "" {
		return "", "", clierr.New(clierr.Usage, "ams needs the app URL, https://SERVER/APPNAME (the app name is the last path segment), not %s", redact.URL(raw))
	}
	return u.Scheme + "://" + u.Host + "/" + path, app, nil
}

// appID is the X-APP-ID value for p.
func appID(p *config.Profile) string {
	if p == nil {
		return DefaultAppID
	}
	return p.Option("app_id", DefaultAppID)
}

// Login implements providers.Provider. Besides the contract's codes: a v2
// loginUser that hands over no session is clierr.Network, and an AMS
// refusal — HTTP 401/403,
// or an rpc exception in a 2xx answer — is clierr.Rejected with AMS's own
// detailMessage and a hint when it points at MFA/SSO/Terms exemption or a
// locked account.
func (*Provider) Login(ctx context.Context, env *providers.Env, p *config.Profile, secret string) (*providers.Session, error) {
	base, app, err := appURL(p.URL)
	if err != nil {
		return nil, err
	}
	if p.Username == "" {
		return nil, clierr.New(clierr.Usage, "ams login needs --username")
	}
	env.HTTP.AddSecret(secret)
	l := &login{env: env, p: p, base: base, app: app, host: origin.Host(base), secret: secret, secrets: []string{secret}}
	switch p.Mode {
	case ModeV2, "":
		return l.v2(ctx)
	case ModeV1:
		return l.v1(ctx)
	}
	return nil, clierr.New(clierr.Usage, "unknown ams mode %q (want v2 or v1)", p.Mode)
}

// login is one login attempt: what its requests and messages need.
type login struct {
	env     *providers.Env
	p       *config.Profile
	base    string
	app     string
	host    string
	secret  string   // the password
	secrets []string // never to appear in an error, even if AMS echoes them
}

func (l *login) v1(ctx context.Context) (*providers.Session, error) {
	if strings.Contains(l.p.Username, ":") {
		return nil, clierr.New(clierr.Usage, "ams v1 uses HTTP Basic, which cannot carry a username containing ':'")
	}
	cred := base64.StdEncoding.EncodeToString([]byte(l.p.Username + ":" + l.secret))
	l.addSecret(cred)
	h := http.Header{}
	h.Set("Authorization", "Basic "+cred)
	resp, err := l.post(ctx, "userauthentication", "/api/v1/userauthentication?informat=json&format=json", h,
		v1Login{Username: l.p.Username, Password: l.secret})
	if err != nil {
		return nil, err
	}
	if !json.Valid(resp.Body) {
		return nil, clierr.New(clierr.Network, "ams login to %s: userauthentication did not answer with JSON; is --url the AMS app URL (https://SERVER/APPNAME)?", l.host)
	}
	// v1 has no session: the Basic credential is sent on every call, so it
	// is the token, and it never expires on its own.
	return &providers.Session{
		Provider: "ams",
		Mode:     ModeV1,
		Token:    cred,
		User:     l.p.Username,
		IssuedAt: l.env.Now(),
	}, nil
}

func (l *login) v2(ctx context.Context) (*providers.Session, error) {
	now := l.env.Now()
	// Step 1 is optional: no public client calls it (smartabaseR and the
	// Python clients POST loginUser directly, and recorded traffic shows
	// that works). Its token is used when it hands one over — in the
	// session-header, else in the JSESSIONID cookie — and the login goes
	// on without one otherwise. Only a failed loginUser fails the login.
	first := l.step1(ctx, now)
	if err := ctx.Err(); err != nil {
		return nil, clierr.New(clierr.Network, "ams login to %s: %v", l.host, err)
	}

	h := http.Header{}
	if first != "" {
		h.Set("session-header", first)
		h.Set("Cookie", "JSESSIONID="+first)
	}
	// The recorded successful login and Teamworks' R client send HTTP
	// Basic on loginUser as well as the JSON body. Basic cannot carry a
	// username with ':'; the body alone does then.
	if !strings.Contains(l.p.Username, ":") {
		cred := base64.StdEncoding.EncodeToString([]byte(l.p.Username + ":" + l.secret))
		l.addSecret(cred)
		h.Set("Authorization", "Basic "+cred)
	}
	resp, err := l.post(ctx, "loginUser", "/api/v2/user/loginUser", h, loginUserRequest{
		Username: l.p.Username,
		Password: l.secret,
		LoginProperties: loginProperties{
			AppName:    l.app,
			ClientTime: now.Format(clientTimeLayout),
		},
	})
	if err != nil {
		return nil, err
	}
	var out loginUserResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, clierr.New(clierr.Network, "ams login to %s: loginUser did not answer with a JSON object; is --url the AMS app URL (https://SERVER/APPNAME)?", l.host)
	}
	// smartabaseR keeps loginUser's own session-header (and Set-Cookie):
	// AMS hands out a new token once the user is logged in, and step 1's
	// then stops working.
	tok := sessionToken(resp.Header)
	if tok == "" {
		tok = first
	}
	if tok == "" {
		return nil, clierr.New(clierr.Network, "ams login to %s: loginUser accepted the login but handed over no session (no session-header, no JSESSIONID cookie); is --url the AMS app URL (https://SERVER/APPNAME)?", l.host)
	}
	skype := out.skypeName()
	l.addSecret(tok, skype)

	s := &providers.Session{
		Provider: "ams",
		Mode:     ModeV2,
		Token:    tok,
		User:     l.p.Username,
		IssuedAt: now,
		LastUsed: now,
	}
	if id := out.applicationID(); id != "" {
		s.Fields = map[string]string{"application_id": id}
	}
	if skype != "" {
		s.SecretFields = map[string]string{"skype_name": skype}
	}
	return s, nil
}

// step1 asks getApplicationDescription for a token and returns it, or ""
// when the answer carries none or the call fails in any way.
func (l *login) step1(ctx context.Context, now time.Time) string {
	h := http.Header{}
	h.Set("X-APP-ID", appID(l.p))
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	data, _ := json.Marshal(appDescriptionRequest{AppName: l.app, CurrentDateOnClient: now.Format(dateOnClientLayout)})
	resp, err := l.env.HTTP.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		URL:    l.base + "/api/v2/application/getApplicationDescription",
		Header: h,
		Body:   data,
	})
	if err != nil || resp.Status < 200 || resp.Status >= 300 {
		return ""
	}
	if _, rpc := parseRPCException(resp.Body); rpc {
		return ""
	}
	tok := sessionToken(resp.Header)
	if tok != "" {
		l.addSecret(tok)
	}
	return tok
}

// sessionToken is the token a login answer hands over: its session-header,
// else the JSESSIONID it sets.
func sessionToken(h http.Header) string {
	if tok := strings.TrimSpace(h.Get("session-header")); tok != "" {
		return tok
	}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "JSESSIONID" && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// post sends one login step with the headers every AMS request carries and
// maps a failed answer to an error (see check).
func (l *login) post(ctx context.Context, step, path string, h http.Header, body any) (*transport.Response, error) {
	if h == nil {
		h = http.Header{}
	}
	h.Set("X-APP-ID", appID(l.p))
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	data, err := json.Marshal(body)
	if err != nil {
		return nil, clierr.New(clierr.Unexpected, "ams %s: encoding the request: %v", step, err)
	}
	resp, err := l.env.HTTP.Do(ctx, &transport.Request{
		Method: http.MethodPost,
		URL:    l.base + path,
		Header: h,
		Body:   data,
		Retry:  true,
	})
	if err != nil {
		return nil, fmt.Errorf("ams login (%s): %w", step, err)
	}
	if err := l.check(resp, step); err != nil {
		return nil, err
	}
	return resp, nil
}

// check maps an answer to a login step to the error contract. An rpc
// exception is a refusal only in a 2xx (or 401/403) answer; with another
// status its detailMessage just explains that status.
func (l *login) check(resp *transport.Response, step string) error {
	detail, isRPC := parseRPCException(resp.Body)
	st := resp.Status
	switch {
	case st == http.StatusUnauthorized || st == http.StatusForbidden || (isRPC && st >= 200 && st < 300):
		return l.rejected(st, detail)
	case resp.LooksHTML():
		return clierr.New(clierr.Network, "ams login to %s: %s answered with an HTML page (HTTP %d) instead of JSON; is --url the AMS app URL (https://SERVER/APPNAME) and %q the right app name?", l.host, step, st, l.app)
	case st >= 200 && st < 300:
		return nil
	case st == http.StatusNotFound:
		return clierr.New(clierr.Network, "ams login to %s: %s not found (HTTP 404); is --url the AMS app URL (https://SERVER/APPNAME)?", l.host, step)
	case st == http.StatusTooManyRequests:
		return clierr.New(clierr.Network, "ams login to %s: rate limited (HTTP 429) after retries; wait a minute", l.host)
	case st >= 500:
		return clierr.New(clierr.Network, "ams login to %s: server error in %s (HTTP %d%s); try again later", l.host, step, st, quote(l.clean(detail)))
	}
	return clierr.New(clierr.Network, "ams login to %s: %s answered HTTP %d%s", l.host, step, st, quote(l.clean(detail)))
}

// rejected words a refusal: AMS's detailMessage when there is one, and what
// to do about it.
func (l *login) rejected(status int, detail string) error {
	msg := strings.TrimRight(l.clean(detail), ". ")
	if msg == "" {
		msg = "wrong username or password"
	}
	return clierr.New(clierr.Rejected, "ams login to %s as %s refused (HTTP %d): %s%s", l.host, l.p.Username, status, msg, refusalHint(msg))
}

// These regexps are compiled on first use, not at start-up: package
// initialisers run in every sesame process, `token show` included.
var (
	// mfaRE spots refusals that the seed's "Before You Begin" explains: an
	// instance enforcing MFA, SSO or Terms Documents refuses API logins of
	// accounts an administrator has not exempted.
	mfaRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(mfa|multi-?factor|two-?factor|2fa|sso|single sign|saml|terms)`)
	})
	// lockedRE spots refusals of the account rather than the password.
	lockedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\b(lock|suspend|disabled|deactivat|inactive)`) })
	// credsRE spots plain wrong-credential refusals.
	credsRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(password|username|credential|invalid user)`) })
)

func refusalHint(msg string) string {
	switch {
	case mfaRE().MatchString(msg):
		return "; if the AMS instance enforces MFA, SSO or Terms Documents, an administrator must exempt this account before it can use the API"
	case lockedRE().MatchString(msg):
		return "; ask an AMS administrator to unlock or reactivate the account"
	case credsRE().MatchString(msg):
		return "; check --username and the password (and --api: v2 or v1)"
	}
	return ""
}

// clean makes a vendor message fit for an error: one line, at most 300
// characters, with every secret of this login hidden in every form.
func (l *login) clean(s string) string {
	s = redact.New(l.secrets...).String(s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}

// addSecret registers values for --debug redaction and for clean.
func (l *login) addSecret(v ...string) {
	l.env.HTTP.AddSecret(v...)
	l.secrets = append(l.secrets, v...)
}

func quote(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// Headers implements providers.Provider. v1: the Basic credential; v2: the
// session token as session-header and JSESSIONID cookie (seed 000, "All
// subsequent v2/v3 calls"). X-APP-ID always comes last, so that the first
// header is the one that carries the session.
func (*Provider) Headers(p *config.Profile, s *providers.Session) []providers.Header {
	id := providers.Header{Name: "X-APP-ID", Value: appID(p)}
	if s.Mode == ModeV1 {
		return []providers.Header{{Name: "Authorization", Value: "Basic " + s.Token}, id}
	}
	return []providers.Header{
		{Name: "session-header", Value: s.Token},
		{Name: "Cookie", Value: "JSESSIONID=" + s.Token},
		id,
	}
}

// ValidUntil implements providers.Provider. v1 has no session to end: zero.
// v2 sessions end after an idle time AMS does not announce, so the session
// is taken to end w.Idle (DefaultIdle when unset) after it was last used;
// the server's own verdict comes through IsAuthError.
func (*Provider) ValidUntil(s *providers.Session, w providers.Windows) time.Time {
	if s.Mode == ModeV1 {
		return time.Time{}
	}
	idle := w.Idle
	if idle <= 0 {
		idle = DefaultIdle
	}
	last := s.LastUsed
	if s.IssuedAt.After(last) {
		last = s.IssuedAt
	}
	return last.Add(idle)
}

// sessionGoneRE matches rpc exception messages that say the session is
// missing, invalid or expired. Compiled on first use, not at start-up.
var sessionGoneRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(session\s+(has\s+)?(expired|timed\s*out|ended|is\s+(invalid|not\s+valid|no\s+longer\s+valid|expired))|\b(invalid|expired|unknown|no(\s+valid)?)\s+session\b|not\s+(currently\s+)?logged\s*in|log\s*in\s+again|please\s+log\s*in|must\s+(be\s+logged|log)\s*in|not\s+authenticated|authentication\s+required)`)
})

// IsAuthError implements providers.Provider. A data answer means "log in
// again" when it is HTTP 401, or when its body — whatever the status, since
// AMS reports failures with HTTP 200 too — is an rpc exception whose
// detailMessage says the session is missing, invalid or expired ("session
// has expired", "invalid session", "not logged in", "log in again", …).
// Other rpc exceptions are not: a validation error or a missing permission
// ("no access to form X", "the following names [Session RPE] … do not exist
// in the form") would only fail again after a fresh login. 403 is a missing
// permission too, not an ended session.
func (*Provider) IsAuthError(status int, _ http.Header, body []byte) bool {
	if status == http.StatusUnauthorized {
		return true
	}
	msg, ok := parseRPCException(body)
	return ok && sessionGoneRE().MatchString(msg)
}

var _ providers.Provider = (*Provider)(nil)
