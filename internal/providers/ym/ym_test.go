package ym_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/providers/ym"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
)

type (
	clock    = providertest.Clock
	recorder = providertest.Recorder
)

func newClock() *clock { return providertest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)) }

// fixture is a fake YM behind a recorder, and an Env that talks to it.
type fixture struct {
	fake  *sandbox.YM
	rec   *recorder
	srv   *httptest.Server
	clock *clock
	env   *providers.Env
	debug *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := newClock()
	fake := sandbox.NewYM(sandbox.Options{Now: c.Now})
	return newFixtureFor(t, fake, c)
}

func newFixtureFor(t *testing.T, h http.Handler, c *clock) *fixture {
	t.Helper()
	rec := providertest.NewRecorder(h)
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	dbg := &bytes.Buffer{}
	hc, err := transport.New(transport.Options{
		Debug: &lockedWriter{w: dbg},
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{rec: rec, srv: srv, clock: c, env: &providers.Env{HTTP: hc, Now: c.Now}, debug: dbg}
	if y, ok := h.(*sandbox.YM); ok {
		f.fake = y
	}
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) profile(mode, user string, opts map[string]string) *config.Profile {
	return &config.Profile{Name: "ym", Provider: "ym", URL: f.srv.URL, Mode: mode, Username: user, Options: opts}
}

var client = strconv.Itoa(sandbox.YMClientID)

// wireBody decodes a request body keeping numbers as json.Number, so that a
// ClientID sent as a string shows.
func wireBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("request body is not a JSON object: %v: %s", err, b)
	}
	return m
}

func TestLoginForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     string
		user     string
		secret   string
		opts     map[string]string
		wantPath string
		wantBody map[string]any
		wantUser string
		bearer   bool
		exchange bool
		noClient bool
	}{
		{
			name: "member by username", user: sandbox.YMUser, secret: sandbox.YMPassword,
			opts:     map[string]string{"client_id": client},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{"ClientID": json.Number(client), "UserType": "Member", "Username": sandbox.YMUser, "Password": sandbox.YMPassword, "Device": "Desktop"},
			wantUser: sandbox.YMUser, bearer: true,
		},
		{
			name: "member by e-mail", mode: "member", user: sandbox.YMEmail, secret: sandbox.YMPassword,
			opts:     map[string]string{"client_id": client, "login_field": "email"},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{"ClientID": json.Number(client), "UserType": "Member", "EmailAddress": sandbox.YMEmail, "Password": sandbox.YMPassword, "Device": "Desktop"},
			wantUser: sandbox.YMUser, bearer: true,
		},
		{
			name: "member with every include, a device and a user type", mode: "member", user: sandbox.YMUser, secret: sandbox.YMPassword,
			opts:     map[string]string{"client_id": " 31337 ", "include": "member-config, Branding,exchange-token", "device": "ios", "user_type": "member"},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{
				"ClientID": json.Number(client), "UserType": "Member", "Username": sandbox.YMUser, "Password": sandbox.YMPassword, "Device": "IOS",
				"IncludeMemberConfig": true, "IncludeBrandingConfig": true, "IncludeExchangeToken": true,
			},
			wantUser: sandbox.YMUser, bearer: true, exchange: true,
		},
		{
			name: "admin API key", mode: "admin", user: sandbox.YMAPIKey, secret: sandbox.YMAPIPassword,
			opts:     map[string]string{"client_id": client, "device": "Android", "login_field": "email"},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{"ClientID": json.Number(client), "UserType": "Admin", "Username": sandbox.YMAPIKey, "Password": sandbox.YMAPIPassword, "Device": "Android"},
			wantUser: sandbox.YMAPIKey,
		},
		{
			name: "consumer key and secret", mode: "consumer", user: sandbox.YMConsumerKey, secret: sandbox.YMConsumerSecret,
			opts:     map[string]string{"client_id": client},
			wantPath: "/Ams/Authenticate",
			// The public consumer-mode client always sends UserType (Member).
			wantBody: map[string]any{"ClientID": json.Number(client), "ConsumerKey": sandbox.YMConsumerKey, "ConsumerSecret": sandbox.YMConsumerSecret, "UserType": "Member", "Device": "Desktop"},
			wantUser: "Sandbox Integration", bearer: true,
		},
		{
			name: "consumer with an access token", mode: "consumer", user: sandbox.YMConsumerKey, secret: sandbox.YMConsumerSecret + ym.SecretSeparator + "at-0123456789",
			opts:     map[string]string{"client_id": client},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{"ClientID": json.Number(client), "ConsumerKey": sandbox.YMConsumerKey, "ConsumerSecret": sandbox.YMConsumerSecret, "AccessToken": "at-0123456789", "UserType": "Member", "Device": "Desktop"},
			wantUser: "Sandbox Integration", bearer: true,
		},
		{
			name: "consumer without a client id", mode: "consumer", user: sandbox.YMConsumerKey, secret: sandbox.YMConsumerSecret,
			opts:     map[string]string{"user_type": "Admin"},
			wantPath: "/Ams/Authenticate",
			wantBody: map[string]any{"ConsumerKey": sandbox.YMConsumerKey, "ConsumerSecret": sandbox.YMConsumerSecret, "UserType": "Admin", "Device": "Desktop"},
			wantUser: "Sandbox Integration", bearer: true, noClient: true,
		},
		{
			name: "exchange token", mode: "token", secret: sandbox.YMExchangeToken,
			opts:     map[string]string{"client_id": client, "include": "exchange-token"},
			wantPath: "/Ams/Authenticate/" + sandbox.YMExchangeToken,
			wantBody: map[string]any{"ClientID": json.Number(client), "Device": "Desktop", "IncludeExchangeToken": true},
			wantUser: sandbox.YMUser, bearer: true, exchange: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.profile(tt.mode, tt.user, tt.opts)
			s, err := ym.New().Login(context.Background(), f.env, p, tt.secret)
			if err != nil {
				t.Fatalf("Login: %v (exit %d)", err, clierr.Code(err))
			}
			ex := f.rec.Last(t)
			if ex.Method != http.MethodPost || ex.Path != tt.wantPath {
				t.Errorf("request = %s %s, want POST %s", ex.Method, ex.Path, tt.wantPath)
			}
			if ct := ex.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if a := ex.Header.Get("Accept"); a != "application/json" {
				t.Errorf("Accept = %q, want application/json", a)
			}
			got := wireBody(t, ex.Body)
			if len(got) != len(tt.wantBody) {
				t.Errorf("body members = %v, want exactly %v", keys(got), keys(tt.wantBody))
			}
			for k, want := range tt.wantBody {
				if got[k] != want {
					t.Errorf("body %s = %#v (%T), want %#v (%T)", k, got[k], got[k], want, want)
				}
			}
			if n := f.fake.Get("accept_not_json") + f.fake.Get("clientid_not_number"); n != 0 {
				t.Errorf("fake counted %d protocol mistakes", n)
			}
			if f.fake.Logins() != 1 {
				t.Errorf("fake logins = %d, want 1", f.fake.Logins())
			}

			if s.Provider != "ym" || s.Token == "" || s.User != tt.wantUser {
				t.Errorf("session = provider %q token %q user %q, want ym, a SessionId, %q", s.Provider, s.Token, s.User, tt.wantUser)
			}
			wantMode := tt.mode
			if wantMode == "" {
				wantMode = ym.ModeMember
			}
			if s.Mode != wantMode {
				t.Errorf("Mode = %q, want %q", s.Mode, wantMode)
			}
			if !s.IssuedAt.Equal(f.clock.Now()) {
				t.Errorf("IssuedAt = %v, want the injected clock %v", s.IssuedAt, f.clock.Now())
			}
			if s.Fields["client_id"] != client {
				t.Errorf("client_id = %q, want %s (from the answer)", s.Fields["client_id"], client)
			}
			if s.SecretFields["session_id"] != s.Token {
				t.Errorf("session_id = %q, want the SessionId", s.SecretFields["session_id"])
			}
			if got := s.SecretFields["bearer_token"] != ""; got != tt.bearer {
				t.Errorf("bearer token present = %v, want %v", got, tt.bearer)
			}
			if got := s.SecretFields["refresh_token"] != ""; got != tt.bearer {
				t.Errorf("refresh token present = %v, want %v", got, tt.bearer)
			}
			if got := s.SecretFields["exchange_token"] != ""; got != tt.exchange {
				t.Errorf("exchange token present = %v, want %v", got, tt.exchange)
			}
			// The session round-trips through JSON, as the store keeps it.
			data, _ := json.Marshal(s)
			var back providers.Session
			if err := json.Unmarshal(data, &back); err != nil || back.Token != s.Token || back.SecretFields["bearer_token"] != s.SecretFields["bearer_token"] {
				t.Errorf("session does not round-trip through JSON: %v", err)
			}

			// The session works on a data URL under BaseURL.
			base, err := ym.New().BaseURL(p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.noClient {
				base += "/Ams/" + client
			}
			if st := get(t, f, base+"/MemberProfile", ym.New().Headers(p, s)); st != http.StatusOK {
				t.Errorf("GET MemberProfile with the session = %d, want 200", st)
			}
		})
	}
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// get sends a data request with the session's headers and returns the status.
func get(t *testing.T, f *fixture, url string, hs []providers.Header) int {
	t.Helper()
	h := http.Header{}
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	resp, err := f.env.HTTP.Do(context.Background(), &transport.Request{Method: http.MethodGet, URL: url, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	member := map[string]string{"client_id": client}
	tests := []struct {
		name       string
		mode, user string
		secret     string
		opts       map[string]string
		wantStatus int      // how the fake answered
		want       []string // words the message must hold
	}{
		{"wrong password", "member", sandbox.YMUser, "not-the-password", member, 401,
			[]string{"Invalid username/password combination", "check the username and password"}},
		{"wrong e-mail password", "member", sandbox.YMEmail, "nope-nope", map[string]string{"client_id": client, "login_field": "email"}, 401,
			[]string{"Invalid username/password combination", "e-mail address and password"}},
		{"wrong API password", "admin", sandbox.YMAPIKey, "not-the-api-pass", member, 401,
			[]string{"Invalid username/password combination", "API key and API password"}},
		{"member credentials as admin", "admin", sandbox.YMUser, sandbox.YMPassword, member, 401,
			[]string{"Invalid username/password combination"}},
		{"wrong consumer secret", "consumer", sandbox.YMConsumerKey, "not-the-consumer-secret", nil, 401,
			[]string{"consumer key and consumer secret"}},
		{"MultipleAccounts", "member", sandbox.YMSharedEmail, sandbox.YMPassword, map[string]string{"client_id": client, "login_field": "email"}, 200,
			[]string{"matches more than one YM account", "username instead"}},
		{"InvalidCredentials", "member", sandbox.YMWrongCredsUser, sandbox.YMPassword, member, 401,
			[]string{"wrong username or password"}},
		{"AccountLockedOut", "member", sandbox.YMLockedUser, sandbox.YMPassword, member, 401,
			[]string{"account is locked", "administrator to unlock"}},
		{"AccountSuspended", "member", sandbox.YMSuspendedUser, sandbox.YMPassword, member, 401,
			[]string{"account is suspended"}},
		{"AccountPendingApproval", "member", sandbox.YMPendingUser, sandbox.YMPassword, member, 200,
			[]string{"waiting for the association to approve"}},
		{"InvalidClient", "member", sandbox.YMUser, sandbox.YMPassword, map[string]string{"client_id": strconv.Itoa(sandbox.YMUnknownClientID)}, 200,
			[]string{"does not know ClientID 40404", "check --client-id"}},
		{"InvalidClient for a consumer", "consumer", sandbox.YMConsumerKey, sandbox.YMConsumerSecret, map[string]string{"client_id": "7"}, 200,
			[]string{"does not know ClientID 7"}},
		{"InvalidToken", "token", "", sandbox.YMExpiredExchangeToken, nil, 401,
			[]string{"exchange token is invalid or has expired"}},
		{"InvalidToken, escaped in the path", "token", "", "tok/with space?x", nil, 401,
			[]string{"exchange token is invalid"}},
		{"ConsentRequired", "member", sandbox.YMConsentUser, sandbox.YMPassword, member, 200,
			[]string{"log in once on the association's website", "accept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			s, err := ym.New().Login(context.Background(), f.env, f.profile(tt.mode, tt.user, tt.opts), tt.secret)
			if err == nil {
				t.Fatalf("Login succeeded (%+v), want a refusal", s)
			}
			if s != nil {
				t.Error("a failed Login returned a session")
			}
			if code := clierr.Code(err); code != clierr.Rejected {
				t.Errorf("exit = %d, want %d: %v", code, clierr.Rejected, err)
			}
			msg := err.Error()
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, tt.secret) {
				t.Errorf("message quotes the secret: %q", msg)
			}
			ex := f.rec.Last(t)
			if ex.Status != tt.wantStatus {
				t.Errorf("fake answered %d, want %d (test covers the wrong path)", ex.Status, tt.wantStatus)
			}
			if tt.mode == "token" && strings.Contains(ex.Path, tt.secret) && strings.ContainsAny(tt.secret, "/ ?") {
				t.Errorf("token not path-escaped: %s", ex.Path)
			}
			if f.fake.Logins() != 0 {
				t.Errorf("fake counted %d logins", f.fake.Logins())
			}
		})
	}
}

func TestLoginUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode, user string
		secret     string
		opts       map[string]string
		url        string
		want       string
	}{
		{"client id not a number", "member", "jdoe", "pw-123", map[string]string{"client_id": "31337x"}, "", "invalid --client-id"},
		{"client id negative", "member", "jdoe", "pw-123", map[string]string{"client_id": "-4"}, "", "invalid --client-id"},
		{"client id too large", "member", "jdoe", "pw-123", map[string]string{"client_id": "99999999999"}, "", "invalid --client-id"},
		{"member without client id", "member", "jdoe", "pw-123", nil, "", "needs --client-id"},
		{"admin without client id", "admin", "KEY", "pw-123", nil, "", "needs --client-id"},
		{"member without username", "member", "", "pw-123", map[string]string{"client_id": client}, "", "needs --username"},
		{"admin without key", "admin", "", "pw-123", map[string]string{"client_id": client}, "", "API key as --username"},
		{"consumer without key", "consumer", "", "pw-123", nil, "", "consumer key as --username"},
		{"no secret", "member", "jdoe", "", map[string]string{"client_id": client}, "", "needs the password"},
		{"no token", "token", "", "", nil, "", "needs the exchange token"},
		{"bad device", "member", "jdoe", "pw-123", map[string]string{"client_id": client, "device": "Palm"}, "", "invalid --device"},
		{"bad user type", "member", "jdoe", "pw-123", map[string]string{"client_id": client, "user_type": "Root"}, "", "invalid --user-type"},
		{"admin as member", "admin", "KEY", "pw-123", map[string]string{"client_id": client, "user_type": "Member"}, "", "always uses UserType Admin"},
		{"bad include", "member", "jdoe", "pw-123", map[string]string{"client_id": client, "include": "branding,cookies"}, "", `"cookies"`},
		{"bad login field", "member", "jdoe", "pw-123", map[string]string{"client_id": client, "login_field": "phone"}, "", "invalid --login-field"},
		{"unknown mode", "oauth", "jdoe", "pw-123", map[string]string{"client_id": client}, "", "unknown ym mode"},
		{"plain http to a remote host", "member", "jdoe", "pw-123", map[string]string{"client_id": client}, "http://ws.yourmembership.com", "refusing plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.profile(tt.mode, tt.user, tt.opts)
			if tt.url != "" {
				p.URL = tt.url
			}
			_, err := ym.New().Login(context.Background(), f.env, p, tt.secret)
			if clierr.Code(err) != clierr.Usage {
				t.Fatalf("err = %v (exit %d), want exit %d", err, clierr.Code(err), clierr.Usage)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q lacks %q", err, tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("message quotes the secret: %q", err)
			}
			if n := len(f.rec.All()); n != 0 {
				t.Errorf("%d requests sent for a usage error", n)
			}
		})
	}
}

func TestLoginBadAnswers(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-pass"
	reply := func(status int, ct, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			io.WriteString(w, body)
		})
	}
	const js = "application/json; charset=utf-8"
	tests := []struct {
		name     string
		h        http.Handler
		wantCode int
		want     string
		requests int
	}{
		{"HTML page", reply(200, "text/html", "<!DOCTYPE html><html><body>Sign in</body></html>"), clierr.Network, "HTML page", 1},
		{"HTML without a content type", reply(200, "", "  <html></html>"), clierr.Network, "HTML page", 1},
		{"garbage", reply(200, "text/plain", "ok!"), clierr.Network, "not an AuthenticateResponse", 1},
		{"JSON array", reply(200, js, `[{"SessionId":"x"}]`), clierr.Network, "not an AuthenticateResponse", 1},
		{"SessionId of the wrong type", reply(200, js, `{"SessionId":{"id":1}}`), clierr.Network, "field SessionId has the wrong type", 1},
		{"ClientID of the wrong type", reply(200, js, `{"ClientID":true,"SessionId":"abc"}`), clierr.Network, "wrong type", 1},
		{"200 without a SessionId", reply(200, js, `{"FailedLoginReason":"None","ResponseStatus":{}}`), clierr.Network, "no SessionId", 1},
		{"200 without a SessionId, with a message", reply(200, js, `{"ResponseStatus":{"Message":"Backend busy."}}`), clierr.Network, "no SessionId: Backend busy", 1},
		// MemberJunction's YM connector: an ErrorCode other than None is
		// an auth error, SessionId or not (checked before SessionId).
		{"200 with an ErrorCode", reply(200, js, `{"ResponseStatus":{"ErrorCode":"Oops","Message":"Backend busy."}}`), clierr.Rejected, "ResponseStatus.ErrorCode Oops: Backend busy", 1},
		{"200 with a SessionId and an ErrorCode", reply(200, js, `{"SessionId":"abc","FailedLoginReason":"None","ResponseStatus":{"ErrorCode":"AccessDenied","Message":"No API access."}}`), clierr.Rejected, "ResponseStatus.ErrorCode AccessDenied: No API access", 1},
		{"500 after retries", reply(500, js, `{"ResponseStatus":{"Message":"boom"}}`), clierr.Network, "server error (HTTP 500): boom", 4},
		{"502 HTML", reply(502, "text/html", "<h1>Bad gateway</h1>"), clierr.Network, "server error (HTTP 502)", 4},
		{"404", reply(404, "text/html", "<h1>Not found</h1>"), clierr.Network, "is --url the YM REST service", 1},
		{"415", reply(415, js, `{}`), clierr.Network, "HTTP 415", 1},
		{"401 that echoes the secret", reply(401, js, `{"FailedLoginReason":"None","ResponseStatus":{"Message":"Password s3cret-pass is wrong."}}`), clierr.Rejected, "Password *** is wrong", 1},
		{"401 without a body", reply(401, "text/plain", ""), clierr.Rejected, "wrong username or password", 1},
		{"401 HTML", reply(401, "text/html", "<p>no</p>"), clierr.Rejected, "HTTP 401", 1},
		{"400 SerializationException", reply(400, js, `{"ResponseStatus":{"ErrorCode":"SerializationException","Message":"bad ClientID"}}`), clierr.Rejected, "HTTP 400): bad ClientID", 1},
		{"unknown FailedLoginReason", reply(200, js, `{"FailedLoginReason":"MfaRequired\n","SessionId":""}`), clierr.Rejected, "FailedLoginReason MfaRequired", 1},
		{"numeric FailedLoginReason", reply(200, js, `{"FailedLoginReason":4}`), clierr.Rejected, "FailedLoginReason 4", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureFor(t, tt.h, newClock())
			p := f.profile("member", "jdoe", map[string]string{"client_id": client})
			s, err := ym.New().Login(context.Background(), f.env, p, secret)
			if err == nil || s != nil {
				t.Fatalf("Login = %+v, %v; want an error and no session", s, err)
			}
			if code := clierr.Code(err); code != tt.wantCode {
				t.Errorf("exit = %d, want %d: %v", code, tt.wantCode, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q lacks %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("message quotes the secret: %q", err)
			}
			if n := len(f.rec.All()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pr := ym.New()
	p := f.profile("", sandbox.YMUser, map[string]string{"client_id": client})
	s, err := pr.Login(context.Background(), f.env, p, sandbox.YMPassword)
	if err != nil {
		t.Fatal(err)
	}
	t0 := f.clock.Now()
	tests := []struct {
		name     string
		w        providers.Windows
		at       time.Duration
		minValid time.Duration
		until    time.Duration
		expired  bool
	}{
		{"fresh", providers.Windows{TTL: 14 * time.Minute}, 0, 0, 14 * time.Minute, false},
		{"just before the TTL", providers.Windows{TTL: 14 * time.Minute}, 14*time.Minute - time.Second, 0, 14 * time.Minute, false},
		{"at the TTL", providers.Windows{TTL: 14 * time.Minute}, 14 * time.Minute, 0, 14 * time.Minute, true},
		{"within --min-valid of the TTL", providers.Windows{TTL: 14 * time.Minute}, 10 * time.Minute, 5 * time.Minute, 14 * time.Minute, true},
		{"a profile's own TTL", providers.Windows{TTL: 5 * time.Minute}, 6 * time.Minute, 0, 5 * time.Minute, true},
		{"no TTL window: the default", providers.Windows{}, 13 * time.Minute, 0, ym.DefaultTTL, false},
		{"no TTL window, past the default", providers.Windows{}, ym.DefaultTTL, 0, ym.DefaultTTL, true},
		{"idle does not matter", providers.Windows{Idle: time.Minute, TTL: 14 * time.Minute}, 10 * time.Minute, 0, 14 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pr.ValidUntil(s, tt.w); !got.Equal(t0.Add(tt.until)) {
				t.Errorf("ValidUntil = %v, want IssuedAt+%v", got, tt.until)
			}
			if got := providers.Expired(pr, s, tt.w, t0.Add(tt.at), tt.minValid); got != tt.expired {
				t.Errorf("Expired at +%v = %v, want %v", tt.at, got, tt.expired)
			}
		})
	}
}

// TestServerSideExpiry: a session the fake has ended answers 401, which the
// adapter reads as "log in again"; a new login works again.
func TestServerSideExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pr := ym.New()
	p := f.profile("member", sandbox.YMUser, map[string]string{"client_id": client})
	base, _ := pr.BaseURL(p)
	login := func() *providers.Session {
		s, err := pr.Login(context.Background(), f.env, p, sandbox.YMPassword)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := login()
	if st := get(t, f, base+"/MemberProfile", pr.Headers(p, s)); st != 200 {
		t.Fatalf("fresh session: %d", st)
	}
	f.clock.Advance(15 * time.Minute) // the fake's default TTL
	ex := doGet(t, f, base+"/MemberProfile", pr.Headers(p, s))
	if !pr.IsAuthError(ex.Status, ex.Header, ex.Body) {
		t.Fatalf("expired session answered %d, not an auth error", ex.Status)
	}
	s2 := login()
	if s2.Token == s.Token {
		t.Error("a new login reused the SessionId")
	}
	if st := get(t, f, base+"/MemberProfile", pr.Headers(p, s2)); st != 200 {
		t.Fatalf("renewed session: %d", st)
	}
	f.fake.Expire()
	ex = doGet(t, f, base+"/Events", pr.Headers(p, s2))
	if !pr.IsAuthError(ex.Status, ex.Header, ex.Body) {
		t.Fatalf("session after Expire answered %d, not an auth error", ex.Status)
	}
}

func doGet(t *testing.T, f *fixture, url string, hs []providers.Header) *transport.Response {
	t.Helper()
	h := http.Header{}
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	resp, err := f.env.HTTP.Do(context.Background(), &transport.Request{Method: http.MethodGet, URL: url, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	pr := ym.New()
	bearer := &config.Profile{Options: map[string]string{"bearer": "true"}}
	tests := []struct {
		name string
		p    *config.Profile
		s    *providers.Session
		want []providers.Header
	}{
		{"session only", &config.Profile{}, &providers.Session{Token: "SID"},
			[]providers.Header{{Name: "X-SS-ID", Value: "SID"}}},
		{"empty bearer", bearer, &providers.Session{Token: "SID", SecretFields: map[string]string{"bearer_token": ""}},
			[]providers.Header{{Name: "X-SS-ID", Value: "SID"}}},
		// Every public client: X-SS-ID alone, even when a BearerToken
		// was issued.
		{"bearer issued, not asked for", &config.Profile{}, &providers.Session{Token: "SID", SecretFields: map[string]string{"bearer_token": "eyJ.x.y", "refresh_token": "R"}},
			[]providers.Header{{Name: "X-SS-ID", Value: "SID"}}},
		{"bearer asked for", bearer, &providers.Session{Token: "SID", SecretFields: map[string]string{"bearer_token": "eyJ.x.y", "refresh_token": "R"}},
			[]providers.Header{{Name: "X-SS-ID", Value: "SID"}, {Name: "Authorization", Value: "Bearer eyJ.x.y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pr.Headers(tt.p, tt.s)
			if len(got) != len(tt.want) {
				t.Fatalf("Headers = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("header %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}

	// From real logins: a member gets a BearerToken, an admin API key none;
	// with bearer: true the member's is sent.
	for _, tc := range []struct {
		mode, user, secret string
		n                  int
	}{
		{"member", sandbox.YMUser, sandbox.YMPassword, 2},
		{"admin", sandbox.YMAPIKey, sandbox.YMAPIPassword, 1},
	} {
		f := newFixture(t)
		p := f.profile(tc.mode, tc.user, map[string]string{"client_id": client, "bearer": "true"})
		s, err := pr.Login(context.Background(), f.env, p, tc.secret)
		if err != nil {
			t.Fatal(err)
		}
		h := pr.Headers(p, s)
		if len(h) != tc.n || h[0].Name != "X-SS-ID" || h[0].Value != s.Token {
			t.Errorf("%s headers = %v, want %d starting with X-SS-ID", tc.mode, h, tc.n)
		}
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, clientID string
		want          string
		wantCode      int
	}{
		{"", "", "https://ws.yourmembership.com", 0},
		{"", client, "https://ws.yourmembership.com/Ams/31337", 0},
		{"https://ws.yourmembership.com/", client, "https://ws.yourmembership.com/Ams/31337", 0},
		{"https://ws.yourmembership.com/Ams/31337", client, "https://ws.yourmembership.com/Ams/31337", 0},
		{"https://ws.yourmembership.com/Ams/", "", "https://ws.yourmembership.com", 0},
		{"https://proxy.example.org/ym", "12", "https://proxy.example.org/ym/Ams/12", 0},
		{"http://127.0.0.1:8080", client, "http://127.0.0.1:8080/Ams/31337", 0},
		{"http://ws.yourmembership.com", client, "", clierr.Usage},
		{"", "twelve", "", clierr.Usage},
	}
	for _, tt := range tests {
		t.Run(tt.url+"|"+tt.clientID, func(t *testing.T) {
			t.Parallel()
			p := &config.Profile{URL: tt.url, Options: map[string]string{"client_id": tt.clientID}}
			got, err := ym.New().BaseURL(p)
			if clierr.Code(err) != tt.wantCode {
				t.Fatalf("err = %v, want exit %d", err, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDebugRedacts: the --debug log of a login hides the secret (also where
// it sits, escaped, in the token URL) and every token YM hands back.
func TestDebugRedacts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ mode, user, secret string }{
		{"member", sandbox.YMUser, sandbox.YMPassword},
		{"token", "", sandbox.YMExchangeToken},
		{"token", "", "tok/with space"},
	} {
		f := newFixture(t)
		p := f.profile(tc.mode, tc.user, map[string]string{"client_id": client, "include": "exchange-token"})
		s, _ := ym.New().Login(context.Background(), f.env, p, tc.secret)
		log := f.debug.String()
		if !strings.Contains(log, "/Ams/Authenticate") {
			t.Fatalf("no debug log of the login: %q", log)
		}
		hidden := []string{tc.secret, "tok%2Fwith%20space"}
		if s != nil {
			hidden = append(hidden, s.Secrets()...)
		}
		for _, v := range hidden {
			if strings.Contains(log, v) {
				t.Errorf("%s login: debug log shows %q:\n%s", tc.mode, v, log)
			}
		}
	}
}

func TestIsAuthError(t *testing.T) {
	t.Parallel()
	pr := ym.New()
	for _, tc := range []struct {
		status int
		want   bool
	}{{401, true}, {200, false}, {403, false}, {404, false}, {500, false}} {
		if got := pr.IsAuthError(tc.status, nil, []byte(`{"ResponseStatus":{"ErrorCode":"Unauthorized"}}`)); got != tc.want {
			t.Errorf("IsAuthError(%d) = %v, want %v", tc.status, got, tc.want)
		}
	}
}

func TestModes(t *testing.T) {
	t.Parallel()
	pr := ym.New()
	if pr.Name() != "ym" {
		t.Errorf("Name = %q", pr.Name())
	}
	want := map[string]string{"member": "password", "admin": "API password", "consumer": "consumer secret", "token": "exchange token"}
	modes := pr.Modes()
	if len(modes) != len(want) || modes[0] != "member" {
		t.Errorf("Modes = %v, want member first of %d", modes, len(want))
	}
	for _, m := range modes {
		if got := pr.SecretName(m); got != want[m] {
			t.Errorf("SecretName(%s) = %q, want %q", m, got, want[m])
		}
	}
}

// TestSandboxAccounts logs in with every test account the fake advertises
// (as `sesame sandbox` prints them): the good ones work, the refusing ones
// are refused with exit 3.
func TestSandboxAccounts(t *testing.T) {
	t.Parallel()
	accts := sandbox.NewYM(sandbox.Options{}).Accounts()
	reasons := 0
	for _, a := range accts {
		t.Run(a.Mode+" "+a.User+" "+a.Note, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			opts := map[string]string{}
			args := strings.Fields(a.Extra)
			for i := 0; i+1 < len(args); i += 2 {
				opts[strings.ReplaceAll(strings.TrimPrefix(args[i], "--"), "-", "_")] = args[i+1]
			}
			_, err := ym.New().Login(context.Background(), f.env, f.profile(a.Mode, a.User, opts), a.Secret)
			switch {
			case a.Refusing && clierr.Code(err) != clierr.Rejected:
				t.Errorf("refusing account: err = %v (exit %d), want exit 3", err, clierr.Code(err))
			case !a.Refusing && err != nil:
				t.Errorf("good account refused: %v", err)
			}
		})
		if strings.Contains(a.Note, "FailedLoginReason") {
			reasons++
		}
	}
	if reasons != 8 {
		t.Errorf("%d accounts show a FailedLoginReason, want one per reason (8)", reasons)
	}
}

// A consumer login with an access token: the public consumer-mode client's
// body (ConsumerKey, ConsumerSecret, AccessToken, ClientID, UserType
// Member), and a refusal that echoes the access token does not show it.
func TestConsumerAccessToken(t *testing.T) {
	t.Parallel()
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"FailedLoginReason": "None", "ResponseStatus": {"Message": "AccessToken at-echo-123456 is not valid for cs-echo-1"}}`)
	}))
	t.Cleanup(srv.Close)
	p := &config.Profile{Provider: "ym", URL: srv.URL, Mode: ym.ModeConsumer, Username: "ck", Options: map[string]string{"client_id": "31337"}}
	_, err := ym.New().Login(context.Background(), providertest.NewEnv(t, time.Now, nil), p, "cs-echo-1"+ym.SecretSeparator+"at-echo-123456")
	if clierr.Code(err) != clierr.Rejected || strings.Contains(err.Error(), "at-echo-123456") || strings.Contains(err.Error(), "cs-echo-1") {
		t.Fatalf("err = %v", err)
	}
	want := map[string]any{"ConsumerKey": "ck", "ConsumerSecret": "cs-echo-1", "AccessToken": "at-echo-123456", "ClientID": float64(31337), "UserType": "Member", "Device": "Desktop"}
	if len(got) != len(want) {
		t.Fatalf("body = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// TestAnswerError: a 2xx data answer whose ResponseStatus carries an
// ErrorCode other than None is a failure (MemberJunction's YM connector,
// CheckResponseError); its message is what the caller sees.
func TestAnswerError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{200, `{"ResponseStatus":{"ErrorCode":"NotFound","Message":"Member 7 was not found."}}`, "ResponseStatus.ErrorCode NotFound: Member 7 was not found"},
		{200, `{"ResponseStatus":{"ErrorCode":"None"}}`, ""},
		{200, `{"ResponseStatus":{"ErrorCode":""},"Members":[]}`, ""},
		{200, `{"ResponseStatus":{}}`, ""},
		{200, `[1,2]`, ""},
		{200, `not json`, ""},
		{404, `{"ResponseStatus":{"ErrorCode":"NotFound"}}`, ""}, // an HTTP error already fails
		{200, "{\"ResponseStatus\":{\"ErrorCode\":\"X\\u001b[31m\",\"Message\":\"a\\nb\"}}", "ResponseStatus.ErrorCode X[31m: a b"},
	}
	for _, tt := range tests {
		if got := ym.AnswerError(tt.status, []byte(tt.body)); got != tt.want {
			t.Errorf("AnswerError(%d, %s) = %q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
}
