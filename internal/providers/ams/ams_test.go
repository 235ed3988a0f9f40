package ams_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
)

// t0 is the seed's own example time: "30-04-2026 09:00" / "2026-04-30T09:00".
var t0 = time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)

type (
	clock    = providertest.Clock
	recorder = providertest.Recorder
)

// fixture is a fake AMS behind a recorder, with a shared injected clock.
type fixture struct {
	fake  *sandbox.AMS
	rec   *recorder
	srv   *httptest.Server
	clock *clock
	env   *providers.Env
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := providertest.NewClock(t0)
	fake := sandbox.NewAMS(sandbox.Options{TTL: 30 * time.Minute, Now: c.Now})
	f := &fixture{fake: fake, rec: providertest.NewRecorder(fake), clock: c}
	f.srv = httptest.NewServer(f.rec)
	t.Cleanup(f.srv.Close)
	f.env = newEnv(t, c.Now)
	t.Cleanup(func() {
		if n := fake.Get("missing_app_id"); n != 0 {
			t.Errorf("%d requests reached the fake without X-APP-ID", n)
		}
	})
	return f
}

func newEnv(t *testing.T, now func() time.Time) *providers.Env {
	t.Helper()
	hc, err := transport.New(transport.Options{
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Env{HTTP: hc, Now: now}
}

func (f *fixture) profile(mode, user string) *config.Profile {
	return &config.Profile{Name: "ams", Provider: "ams", URL: f.srv.URL + "/" + sandbox.AMSApp, Mode: mode, Username: user}
}

// call sends a data request with the session's headers.
func call(t *testing.T, env *providers.Env, method, url string, hs []providers.Header) *transport.Response {
	t.Helper()
	h := http.Header{}
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	resp, err := env.HTTP.Do(context.Background(), &transport.Request{Method: method, URL: url, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func jsonOf(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	return v
}

func TestLoginV2Wire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, appID, wantAppID string
	}{
		{"default app id", "", "sesame"},
		{"app_id option", "acme.ams.sync", "acme.ams.sync"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.profile("", sandbox.AMSUser) // "" is the default mode, v2
			p.SetOption("app_id", tc.appID)
			pr := ams.New()
			s, err := pr.Login(context.Background(), f.env, p, sandbox.AMSPassword)
			if err != nil {
				t.Fatal(err)
			}
			got := f.rec.All()
			if len(got) != 2 {
				t.Fatalf("login made %d requests, want 2", len(got))
			}

			step1 := got[0]
			if step1.Method != http.MethodPost || step1.Path != "/sandbox/api/v2/application/getApplicationDescription" || step1.RawQuery != "" {
				t.Errorf("step 1 = %s %s?%s", step1.Method, step1.Path, step1.RawQuery)
			}
			wantBody1 := map[string]any{"appName": "sandbox", "currentDateOnClient": "30-04-2026 09:00"}
			if b := jsonOf(t, step1.Body); !reflect.DeepEqual(b, wantBody1) {
				t.Errorf("step 1 body = %v, want %v", b, wantBody1)
			}
			if step1.Header.Get("Session-Header") != "" || step1.Header.Get("Cookie") != "" {
				t.Errorf("step 1 sent a session: %v", step1.Header)
			}
			first := step1.RespHeader.Get("session-header")
			if first == "" {
				t.Fatal("the fake gave no step 1 token")
			}

			step2 := got[1]
			if step2.Method != http.MethodPost || step2.Path != "/sandbox/api/v2/user/loginUser" || step2.RawQuery != "" {
				t.Errorf("step 2 = %s %s?%s", step2.Method, step2.Path, step2.RawQuery)
			}
			if h := step2.Header.Get("session-header"); h != first {
				t.Errorf("step 2 session-header = %q, want step 1's %q", h, first)
			}
			if c := step2.Header.Get("Cookie"); c != "JSESSIONID="+first {
				t.Errorf("step 2 Cookie = %q, want JSESSIONID=%s", c, first)
			}
			wantBody2 := map[string]any{
				"username": sandbox.AMSUser,
				"password": sandbox.AMSPassword,
				"loginProperties": map[string]any{
					"appName":    "sandbox",
					"clientTime": "2026-04-30T09:00",
				},
			}
			if b := jsonOf(t, step2.Body); !reflect.DeepEqual(b, wantBody2) {
				t.Errorf("step 2 body = %v, want %v", b, wantBody2)
			}
			for i, x := range got {
				if id := x.Header.Get("X-APP-ID"); id != tc.wantAppID {
					t.Errorf("request %d X-APP-ID = %q, want %q", i, id, tc.wantAppID)
				}
				if ct := x.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("request %d Content-Type = %q", i, ct)
				}
			}

			// The session continues with loginUser's token, not step 1's.
			next := step2.RespHeader.Get("session-header")
			if s.Token != next || s.Token == first {
				t.Errorf("Token = %q, want loginUser's %q (step 1 gave %q)", s.Token, next, first)
			}
			if s.Provider != "ams" || s.Mode != ams.ModeV2 || s.User != sandbox.AMSUser {
				t.Errorf("session = %+v", s)
			}
			if s.Fields["application_id"] != "4242" {
				t.Errorf("Fields = %v, want application_id 4242", s.Fields)
			}
			if sk := s.SecretFields["skype_name"]; !strings.HasPrefix(sk, "sb-") {
				t.Errorf("SecretFields = %v, want a skype_name", s.SecretFields)
			}
			if !s.IssuedAt.Equal(t0) || !s.LastUsed.Equal(t0) || !s.ExpiresAt.IsZero() {
				t.Errorf("times = issued %v, last used %v, expires %v", s.IssuedAt, s.LastUsed, s.ExpiresAt)
			}

			hs := pr.Headers(p, s)
			wantHs := []providers.Header{
				{Name: "session-header", Value: s.Token},
				{Name: "Cookie", Value: "JSESSIONID=" + s.Token},
				{Name: "X-APP-ID", Value: tc.wantAppID},
			}
			if !reflect.DeepEqual(hs, wantHs) {
				t.Errorf("Headers = %v, want %v", hs, wantHs)
			}
			for _, path := range []string{"/api/v2/forms", "/api/v3/forms"} {
				if r := call(t, f.env, http.MethodPost, f.srv.URL+"/sandbox"+path, hs); r.Status != http.StatusOK {
					t.Errorf("data call %s with the session: HTTP %d %s", path, r.Status, r.Body)
				}
			}
			// A client that kept step 1's token is refused.
			stale := pr.Headers(p, &providers.Session{Mode: ams.ModeV2, Token: first})
			r := call(t, f.env, http.MethodGet, f.srv.URL+"/sandbox/api/v3/forms", stale)
			if r.Status != http.StatusUnauthorized || !pr.IsAuthError(r.Status, r.Header, r.Body) {
				t.Errorf("data call with step 1's token: HTTP %d, auth error %v", r.Status, pr.IsAuthError(r.Status, r.Header, r.Body))
			}
			if f.fake.Logins() != 1 || f.fake.Get("step1") != 1 {
				t.Errorf("fake counted %d logins, %d step 1s", f.fake.Logins(), f.fake.Get("step1"))
			}
		})
	}
}

func TestLoginV1Wire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.profile(ams.ModeV1, sandbox.AMSUser)
	pr := ams.New()
	s, err := pr.Login(context.Background(), f.env, p, sandbox.AMSPassword)
	if err != nil {
		t.Fatal(err)
	}
	cred := base64.StdEncoding.EncodeToString([]byte(sandbox.AMSUser + ":" + sandbox.AMSPassword))
	got := f.rec.All()
	if len(got) != 1 {
		t.Fatalf("login made %d requests, want 1", len(got))
	}
	x := got[0]
	if x.Method != http.MethodPost || x.Path != "/sandbox/api/v1/userauthentication" || x.RawQuery != "informat=json&format=json" {
		t.Errorf("request = %s %s?%s", x.Method, x.Path, x.RawQuery)
	}
	for name, want := range map[string]string{
		"Authorization": "Basic " + cred,
		"X-APP-ID":      "sesame",
		"Content-Type":  "application/json",
	} {
		if v := x.Header.Get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	wantBody := map[string]any{"username": sandbox.AMSUser, "password": sandbox.AMSPassword}
	if b := jsonOf(t, x.Body); !reflect.DeepEqual(b, wantBody) {
		t.Errorf("body = %v, want %v", b, wantBody)
	}
	if s.Token != cred || s.Mode != ams.ModeV1 || s.User != sandbox.AMSUser || !s.IssuedAt.Equal(t0) {
		t.Errorf("session = %+v", s)
	}
	if u := pr.ValidUntil(s, providers.Windows{Idle: time.Minute}); !u.IsZero() {
		t.Errorf("ValidUntil = %v, want zero (v1 has no session to end)", u)
	}
	hs := pr.Headers(p, s)
	wantHs := []providers.Header{{Name: "Authorization", Value: "Basic " + cred}, {Name: "X-APP-ID", Value: "sesame"}}
	if !reflect.DeepEqual(hs, wantHs) {
		t.Errorf("Headers = %v, want %v", hs, wantHs)
	}
	if r := call(t, f.env, http.MethodPost, f.srv.URL+"/sandbox/api/v1/eventsearch?informat=json&format=json", hs); r.Status != http.StatusOK {
		t.Errorf("v1 data call: HTTP %d %s", r.Status, r.Body)
	}
	if f.fake.Logins() != 1 {
		t.Errorf("fake counted %d logins, want 1", f.fake.Logins())
	}
}

func TestLoginRejected(t *testing.T) {
	t.Parallel()
	const wrong = "not-the-password-9"
	for _, tc := range []struct {
		name, mode, user, password string
		want                       []string
	}{
		{"v2 wrong password", ams.ModeV2, sandbox.AMSUser, wrong, []string{"Invalid username or password", "check --username"}},
		{"v1 wrong password", ams.ModeV1, sandbox.AMSUser, wrong, []string{"HTTP 401", "Invalid username or password", "check --username"}},
		{"v2 unknown user", ams.ModeV2, "nobody", wrong, []string{"as nobody", "Invalid username or password"}},
		{"v2 mfa", ams.ModeV2, sandbox.AMSMFAUser, sandbox.AMSPassword, []string{"MFA", "administrator must exempt this account"}},
		{"v1 mfa", ams.ModeV1, sandbox.AMSMFAUser, sandbox.AMSPassword, []string{"MFA", "administrator must exempt this account"}},
		{"v2 locked", ams.ModeV2, sandbox.AMSLockedUser, sandbox.AMSPassword, []string{"locked", "unlock"}},
		{"v1 locked", ams.ModeV1, sandbox.AMSLockedUser, sandbox.AMSPassword, []string{"locked", "unlock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			s, err := ams.New().Login(context.Background(), f.env, f.profile(tc.mode, tc.user), tc.password)
			if err == nil || s != nil {
				t.Fatalf("Login = %v, %v; want a refusal", s, err)
			}
			if c := clierr.Code(err); c != clierr.Rejected {
				t.Errorf("exit code %d, want %d: %v", c, clierr.Rejected, err)
			}
			msg := err.Error()
			cred := base64.StdEncoding.EncodeToString([]byte(tc.user + ":" + tc.password))
			if strings.Contains(msg, tc.password) || strings.Contains(msg, cred) {
				t.Errorf("error quotes the secret: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if f.fake.Logins() != 0 {
				t.Errorf("fake counted %d logins", f.fake.Logins())
			}
		})
	}
}

// amsStub answers step 1 with a token and everything else with answer.
func amsStub(answer http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getApplicationDescription") {
			w.Header().Set("session-header", "STEP1TOKEN")
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{}`)
			return
		}
		answer(w, r)
	})
}

func TestLoginSecretNeverInError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, password, detail, want string
	}{
		{"echoed password and token", "hunter2-secret", "password hunter2-secret is wrong for session STEP1TOKEN", "password *** is wrong for session ***"},
		// A 1-character password is hidden where it stands alone, not
		// inside words ("exempted" stays readable).
		{"short password", "x", "password x is wrong; not exempted", "password *** is wrong; not exempted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(amsStub(func(w http.ResponseWriter, r *http.Request) {
				// A vendor that echoes what it was sent.
				w.Header().Set("Content-Type", "application/json")
				b, _ := json.Marshal(map[string]any{"__is_rpc_exception__": true, "value": map[string]any{"detailMessage": tc.detail}})
				w.Write(b)
			}))
			t.Cleanup(srv.Close)
			p := &config.Profile{URL: srv.URL + "/app", Username: "u"}
			_, err := ams.New().Login(context.Background(), newEnv(t, func() time.Time { return t0 }), p, tc.password)
			if clierr.Code(err) != clierr.Rejected {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), "STEP1TOKEN") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to hold %q", err, tc.want)
			}
		})
	}
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	html := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, "<html><body>Sign in</body></html>")
		}
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler // nil: the fake AMS
		app     string       // path after the server URL
		mode    string
		user    string
		code    int
		want    []string
	}{
		{name: "loginUser hands over no session", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"applicationId": 1044}`)
		}), app: "/app", code: clierr.Network, want: []string{"handed over no session"}},
		{name: "unknown app v2", app: "/nope", code: clierr.Network, want: []string{"HTML page (HTTP 404)", "https://SERVER/APPNAME"}},
		{name: "unknown app v1", app: "/nope", mode: ams.ModeV1, code: clierr.Network, want: []string{"HTML page (HTTP 404)"}},
		{name: "login page instead of API", handler: html(http.StatusOK), app: "/app", code: clierr.Network, want: []string{"HTML page (HTTP 200)"}},
		{name: "login page instead of loginUser", handler: amsStub(html(http.StatusOK)), app: "/app", code: clierr.Network, want: []string{"loginUser answered with an HTML page"}},
		{name: "server error", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}), app: "/app", code: clierr.Network, want: []string{"server error", "HTTP 503"}},
		{name: "loginUser not JSON", handler: amsStub(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "OK")
		}), app: "/app", code: clierr.Network, want: []string{"not answer with a JSON object"}},
		// Step 1 refused, then loginUser too: only loginUser's answer counts.
		{name: "step 1 refused", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		}), app: "/app", code: clierr.Rejected, want: []string{"refused (HTTP 401)", "wrong username or password"}},
		{name: "no app in URL", app: "", code: clierr.Usage, want: []string{"https://SERVER/APPNAME"}},
		{name: "no username", app: "/sandbox", user: "-", code: clierr.Usage, want: []string{"--username"}},
		{name: "unknown mode", app: "/sandbox", mode: "v9", code: clierr.Usage, want: []string{`"v9"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var base string
			var fake *sandbox.AMS
			if tc.handler == nil {
				f := newFixture(t)
				base, fake = f.srv.URL, f.fake
			} else {
				srv := httptest.NewServer(tc.handler)
				t.Cleanup(srv.Close)
				base = srv.URL
			}
			user := sandbox.AMSUser
			if tc.user == "-" {
				user = ""
			}
			p := &config.Profile{URL: base + tc.app, Mode: tc.mode, Username: user}
			s, err := ams.New().Login(context.Background(), newEnv(t, func() time.Time { return t0 }), p, sandbox.AMSPassword)
			if err == nil || s != nil {
				t.Fatalf("Login = %+v, %v; want an error", s, err)
			}
			if c := clierr.Code(err); c != tc.code {
				t.Errorf("exit code %d, want %d: %v", c, tc.code, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), sandbox.AMSPassword) {
				t.Errorf("error quotes the password: %v", err)
			}
			if fake != nil && fake.Logins() != 0 {
				t.Errorf("fake counted %d logins", fake.Logins())
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, want string
		code      int
	}{
		{url: "https://ams.example.org/live", want: "https://ams.example.org/live"},
		{url: "https://ams.example.org/live/", want: "https://ams.example.org/live"},
		{url: "https://ams.example.org:8443/live/api/v2/forms?x=1#top", want: "https://ams.example.org:8443/live"},
		{url: "http://127.0.0.1:9000/sandbox", want: "http://127.0.0.1:9000/sandbox"},
		{url: "https://user:pw@ams.example.org/live", want: "https://ams.example.org/live"},
		// Public clients: the app is the LAST segment, the whole URL the base.
		{url: "https://host.example/prefix/app", want: "https://host.example/prefix/app"},
		{url: "https://host.example/prefix/app/api/v1/eventsearch", want: "https://host.example/prefix/app"},
		{url: "https://ams.example.org", code: clierr.Usage},
		{url: "https://ams.example.org/", code: clierr.Usage},
		{url: "http://ams.example.org/live", code: clierr.Usage},
		{url: "ams.example.org/live", code: clierr.Usage},
	} {
		got, err := ams.New().BaseURL(&config.Profile{URL: tc.url})
		if tc.code != 0 {
			if clierr.Code(err) != tc.code {
				t.Errorf("BaseURL(%q) = %q, %v; want exit code %d", tc.url, got, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}

func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pr := ams.New()
	p := f.profile(ams.ModeV2, sandbox.AMSUser)
	s, err := pr.Login(context.Background(), f.env, p, sandbox.AMSPassword)
	if err != nil {
		t.Fatal(err)
	}

	// sesame's own view: idle window from the last use.
	w := providers.Windows{Idle: 20 * time.Minute}
	if got := pr.ValidUntil(s, w); !got.Equal(t0.Add(20 * time.Minute)) {
		t.Errorf("ValidUntil = %v, want login + 20m", got)
	}
	if got := pr.ValidUntil(s, providers.Windows{}); !got.Equal(t0.Add(ams.DefaultIdle)) {
		t.Errorf("ValidUntil without a window = %v, want login + DefaultIdle", got)
	}
	for _, tc := range []struct {
		at, minValid time.Duration
		want         bool
	}{
		{19 * time.Minute, 0, false},
		{20 * time.Minute, 0, true},
		{10 * time.Minute, 10 * time.Minute, true},
	} {
		if got := providers.Expired(pr, s, w, t0.Add(tc.at), tc.minValid); got != tc.want {
			t.Errorf("Expired at +%v (min valid %v) = %v, want %v", tc.at, tc.minValid, got, tc.want)
		}
	}
	used := *s
	used.LastUsed = t0.Add(15 * time.Minute)
	if got := pr.ValidUntil(&used, w); !got.Equal(t0.Add(35 * time.Minute)) {
		t.Errorf("ValidUntil after use = %v, want last use + 20m", got)
	}

	// The server's view: 30m idle (the fixture's TTL), renewed by each use.
	url := f.srv.URL + "/sandbox/api/v3/forms"
	hs := pr.Headers(p, s)
	for i, step := range []struct {
		advance time.Duration
		status  int
	}{
		{29 * time.Minute, http.StatusOK},
		{29 * time.Minute, http.StatusOK},
		{30 * time.Minute, http.StatusUnauthorized},
	} {
		f.clock.Advance(step.advance)
		r := call(t, f.env, http.MethodGet, url, hs)
		if r.Status != step.status {
			t.Fatalf("call %d after %v idle: HTTP %d, want %d", i, step.advance, r.Status, step.status)
		}
		if auth := pr.IsAuthError(r.Status, r.Header, r.Body); auth != (step.status != http.StatusOK) {
			t.Errorf("call %d: IsAuthError = %v", i, auth)
		}
	}

	// Server-side expiry ends a fresh session too.
	s, err = pr.Login(context.Background(), f.env, p, sandbox.AMSPassword)
	if err != nil {
		t.Fatal(err)
	}
	hs = pr.Headers(p, s)
	if r := call(t, f.env, http.MethodGet, url, hs); r.Status != http.StatusOK {
		t.Fatalf("fresh session: HTTP %d", r.Status)
	}
	f.fake.Expire()
	if r := call(t, f.env, http.MethodGet, url, hs); r.Status != http.StatusUnauthorized || !pr.IsAuthError(r.Status, r.Header, r.Body) {
		t.Errorf("after Expire: HTTP %d", r.Status)
	}
}

func TestIsAuthError(t *testing.T) {
	t.Parallel()
	rpc := func(msg string) []byte {
		b, _ := json.Marshal(map[string]any{"__is_rpc_exception__": true, "value": map[string]any{"detailMessage": msg}})
		return b
	}
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
		want   bool
	}{
		{"401 without body", 401, nil, true},
		{"401 html", 401, []byte("<html>Unauthorized</html>"), true},
		{"200 data", 200, []byte(`{"results": []}`), false},
		{"200 session expired", 200, rpc("Your session has expired. Please log in again."), true},
		{"200 invalid session", 200, rpc("Invalid session id"), true},
		{"200 no valid session", 200, rpc("No valid session"), true},
		{"200 not logged in", 200, rpc("User is not logged in"), true},
		{"500 session timed out", 500, rpc("Session timed out"), true},
		{"200 string marker", 200, []byte(`{"__is_rpc_exception__": "true", "value": {"detailMessage": "session has expired"}}`), true},
		{"200 false marker", 200, []byte(`{"__is_rpc_exception__": false, "value": {"detailMessage": "session has expired"}}`), false},
		{"200 form field named Session", 200, rpc("The following names [Session RPE] were sent in the message but do not exist in the form"), false},
		{"200 permission", 200, rpc("You do not have access to the form Wellness"), false},
		{"200 rpc without message", 200, []byte(`{"__is_rpc_exception__": true}`), false},
		{"403", 403, []byte("Forbidden"), false},
		{"500", 500, []byte("oops"), false},
		{"200 not JSON", 200, []byte("session has expired"), false},
	} {
		if got := ams.New().IsAuthError(tc.status, http.Header{}, tc.body); got != tc.want {
			t.Errorf("%s: IsAuthError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestProviderBasics(t *testing.T) {
	t.Parallel()
	pr := ams.New()
	if pr.Name() != "ams" || !reflect.DeepEqual(pr.Modes(), []string{"v2", "v1"}) {
		t.Errorf("Name, Modes = %q, %v", pr.Name(), pr.Modes())
	}
	for _, m := range pr.Modes() {
		if pr.SecretName(m) != "password" {
			t.Errorf("SecretName(%q) = %q", m, pr.SecretName(m))
		}
	}
	// A nil profile still gets the default X-APP-ID.
	hs := pr.Headers(nil, &providers.Session{Mode: ams.ModeV2, Token: "T"})
	if hs[len(hs)-1] != (providers.Header{Name: "X-APP-ID", Value: ams.DefaultAppID}) {
		t.Errorf("Headers(nil) = %v", hs)
	}
}

// The wire shapes of issue 12, from recorded real traffic and Teamworks'
// smartabaseR: loginUser answers with skypeName nested under user, and
// session-header plus Set-Cookie: JSESSIONID response headers; loginUser
// carries HTTP Basic as well as the JSON body; step 1 is optional.
func TestLoginUserRealShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		step1     func(w http.ResponseWriter) // nil: step 1 is a 404 page
		body      string
		setCookie bool // loginUser sets the cookie only, no session-header
		wantTok   string
		wantSkype string
		wantStep1 string // the token loginUser must have been sent
	}{
		{name: "nested skypeName, step 1 absent", body: `{"user": {"userId": 1, "skypeName": "live:abc123"}, "applicationId": 1044}`, wantTok: "LOGINTOKEN", wantSkype: "live:abc123"},
		{name: "top-level skypeName fallback", body: `{"skypeName": "top:xyz", "applicationId": 1044}`, wantTok: "LOGINTOKEN", wantSkype: "top:xyz"},
		{name: "step 1 header", step1: func(w http.ResponseWriter) { w.Header().Set("session-header", "STEP1HDR") },
			body: `{"user": {"skypeName": "s"}, "applicationId": 1044}`, wantTok: "LOGINTOKEN", wantSkype: "s", wantStep1: "STEP1HDR"},
		{name: "step 1 cookie only", step1: func(w http.ResponseWriter) {
			w.Header().Add("Set-Cookie", "JSESSIONID=STEP1COOKIE; Path=/app; HttpOnly")
		},
			body: `{"user": {"skypeName": "s"}, "applicationId": 1044}`, wantTok: "LOGINTOKEN", wantSkype: "s", wantStep1: "STEP1COOKIE"},
		{name: "step 1 without token", step1: func(w http.ResponseWriter) {},
			body: `{"user": {"skypeName": "s"}, "applicationId": 1044}`, wantTok: "LOGINTOKEN", wantSkype: "s"},
		{name: "loginUser cookie only", body: `{"user": {"skypeName": "s"}, "applicationId": 1044}`, setCookie: true, wantTok: "COOKIETOKEN", wantSkype: "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var gotHdr, gotCookie, gotBasic string
			var gotPath string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/getApplicationDescription"):
					if tc.step1 == nil {
						http.NotFound(w, r)
						return
					}
					tc.step1(w)
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{}`)
				case strings.HasSuffix(r.URL.Path, "/api/v2/user/loginUser"):
					gotPath = r.URL.Path
					gotHdr = r.Header.Get("session-header")
					if c, err := r.Cookie("JSESSIONID"); err == nil {
						gotCookie = c.Value
					}
					gotBasic = r.Header.Get("Authorization")
					if tc.setCookie {
						w.Header().Add("Set-Cookie", "JSESSIONID=COOKIETOKEN; Path=/; Secure; HttpOnly")
					} else {
						w.Header().Set("session-header", "LOGINTOKEN")
						w.Header().Add("Set-Cookie", "JSESSIONID=LOGINTOKEN; Path=/; Secure; HttpOnly")
					}
					w.Header().Set("Content-Type", "application/json;charset=UTF-8")
					io.WriteString(w, tc.body)
				default:
					http.NotFound(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			p := &config.Profile{URL: srv.URL + "/prefix/app", Username: "jane.doe"}
			s, err := ams.New().Login(context.Background(), newEnv(t, func() time.Time { return t0 }), p, "pw-real")
			if err != nil {
				t.Fatal(err)
			}
			if gotPath != "/prefix/app/api/v2/user/loginUser" {
				t.Errorf("loginUser path %q, want under the whole app URL", gotPath)
			}
			if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("jane.doe:pw-real")); gotBasic != want {
				t.Errorf("loginUser Authorization = %q, want %q", gotBasic, want)
			}
			if gotHdr != tc.wantStep1 || gotCookie != tc.wantStep1 {
				t.Errorf("loginUser got session-header %q, cookie %q; want step 1's %q in both", gotHdr, gotCookie, tc.wantStep1)
			}
			if s.Token != tc.wantTok || s.SecretFields["skype_name"] != tc.wantSkype || s.Fields["application_id"] != "1044" {
				t.Errorf("session token %q, skype %q, fields %v", s.Token, s.SecretFields["skype_name"], s.Fields)
			}
		})
	}
}

// An ended session on a data call can come back as HTTP 200 with an rpc
// exception; the provider's auth-error check recognises it there too.
func TestIsAuthErrorRPC200(t *testing.T) {
	t.Parallel()
	pr := ams.New()
	ended := []byte(`{"__is_rpc_exception__": true, "value": {"detailMessage": "Your session has expired or is not valid. Please log in again."}}`)
	if !pr.IsAuthError(http.StatusOK, nil, ended) {
		t.Error("HTTP 200 + rpc exception for an ended session is not an auth error")
	}
	other := []byte(`{"__is_rpc_exception__": true, "value": {"detailMessage": "You do not have access to form Wellness"}}`)
	if pr.IsAuthError(http.StatusOK, nil, other) {
		t.Error("a permission rpc exception is taken for an ended session")
	}
	if pr.IsAuthError(http.StatusOK, nil, []byte(`{"results": []}`)) {
		t.Error("a plain answer is taken for an ended session")
	}
	// Through the fake switched to end sessions the same way.
	c := providertest.NewClock(t0)
	fake := sandbox.NewAMS(sandbox.Options{Now: c.Now, RPCSessionEnd: true})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	env := newEnv(t, c.Now)
	p := &config.Profile{URL: srv.URL + "/" + sandbox.AMSApp, Username: sandbox.AMSUser}
	s, err := pr.Login(context.Background(), env, p, sandbox.AMSPassword)
	if err != nil {
		t.Fatal(err)
	}
	fake.Expire()
	r := call(t, env, http.MethodPost, srv.URL+"/sandbox/api/v2/forms", pr.Headers(p, s))
	if r.Status != http.StatusOK || !pr.IsAuthError(r.Status, r.Header, r.Body) {
		t.Errorf("ended session: HTTP %d %s, auth error %v", r.Status, r.Body, pr.IsAuthError(r.Status, r.Header, r.Body))
	}
}
