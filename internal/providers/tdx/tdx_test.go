package tdx_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/providers/tdx"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

func jwt(claims string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + e([]byte(claims)) + ".sig"
}

func TestParseJWT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		exp     int64
		user    string
		wantErr string
	}{
		{"seed example", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJURCIsImF1ZCI6Imh0dHBzOi8vd3d3LnRlYW1keW5hbWl4LmNvbS8iLCJuYmYiOjE0MDA3MDUwNzQsImV4cCI6MTQwMDc5MTQ3NCwidW5pcXVlX25hbWUiOiJUZXN0VGVhbUR5bmFtaXhVc2VyIn0.tiRPGaawhPSy__B_xoyiQ7-mD2GUaBVk10BOsO1eoE8", 1400791474, "TestTeamDynamixUser", ""},
		{"float exp", jwt(`{"exp":1700000000.5}`), 1700000000, "", ""},
		{"no exp", jwt(`{"unique_name":"a"}`), 0, "", "no exp claim"},
		{"exp string", jwt(`{"exp":"soon"}`), 0, "", "claims are not JSON"},
		{"negative exp", jwt(`{"exp":-5}`), 0, "", "out of range"},
		{"huge exp", jwt(`{"exp":1e300}`), 0, "", "out of range"},
		{"two parts", "a.b", 0, "", "not three"},
		{"not base64", "a.!!!.c", 0, "", "not base64url"},
		{"empty", "", 0, "", "not three"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			exp, user, err := tdx.ParseJWT(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || exp.Unix() != tt.exp || user != tt.user {
				t.Fatalf("got %v %q %v, want %d %q", exp.Unix(), user, err, tt.exp, tt.user)
			}
		})
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add(jwt(`{"exp":1700000000,"unique_name":"alice"}`))
	f.Add(jwt(`{"exp":null}`))
	f.Add("eyJ.eyJ.x")
	f.Add("...")
	f.Fuzz(func(t *testing.T, s string) {
		exp, _, err := tdx.ParseJWT(s)
		if err == nil && (exp.IsZero() || exp.Unix() <= 0) {
			t.Fatalf("accepted %q with expiry %v", s, exp)
		}
	})
}

func newEnv(t *testing.T) *providers.Env { return providertest.NewEnv(t, time.Now, nil) }

func TestLoginWire(t *testing.T) {
	t.Parallel()
	rec := providertest.NewRecorder(sandbox.NewTDX(sandbox.Options{}))
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	p := tdx.New()
	env := newEnv(t)

	s, err := p.Login(context.Background(), env, &config.Profile{Name: "t", Provider: "tdx", URL: srv.URL, Mode: "user", Username: sandbox.TDXUser}, sandbox.TDXPassword)
	if err != nil {
		t.Fatal(err)
	}
	if s.User != sandbox.TDXUser || s.ExpiresAt.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("session %+v", s)
	}
	r := rec.All()[0]
	if r.Method != "POST" || r.Path != "/TDWebApi/api/auth/login" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	if string(r.Body) != `{"username":"alice","password":"wonderland-42"}` {
		t.Fatalf("body %s", r.Body)
	}
	if h := p.Headers(nil, s); len(h) != 1 || h[0].Value != "Bearer "+s.Token {
		t.Fatalf("headers %v", h)
	}

	_, err = p.Login(context.Background(), env, &config.Profile{Name: "t", Provider: "tdx", URL: srv.URL, Mode: "admin", Username: sandbox.TDXBEID, Options: map[string]string{"sandbox": "true"}}, sandbox.TDXWebKey)
	if err != nil {
		t.Fatal(err)
	}
	r = rec.Last(t)
	if r.Path != "/SBTDWebApi/api/auth/loginadmin" || string(r.Body) != `{"BEID":"`+sandbox.TDXBEID+`","WebServicesKey":"`+sandbox.TDXWebKey+`"}` {
		t.Fatalf("admin request %s %s", r.Path, r.Body)
	}
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(sandbox.NewTDX(sandbox.Options{}))
	t.Cleanup(srv.Close)
	_, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "s3cret-wrong")
	if clierr.Code(err) != clierr.Rejected || strings.Contains(err.Error(), "s3cret-wrong") {
		t.Fatalf("err = %v (code %d)", err, clierr.Code(err))
	}
}

// FuzzLoginResponse feeds arbitrary login answers to the adapter: it keeps
// the Login error contract and never panics.
func FuzzLoginResponse(f *testing.F) {
	f.Add(200, "text/plain", jwt(`{"exp":1900000000}`))
	f.Add(200, "text/html", "<html>")
	f.Add(401, "text/plain", "Invalid username or password.")
	f.Add(500, "application/json", `{"Message":"boom"}`)
	f.Add(200, "text/plain", `"`+jwt(`{"exp":1900000000}`)+`"`)
	fs := providertest.NewFuzzServer(f, "/api/auth/login", nil)
	env := providertest.NewEnv(f, time.Now, nil)
	f.Fuzz(func(t *testing.T, status int, ctype, body string) {
		if !fs.Set(providertest.Answer{Status: status, ContentType: ctype, Body: body}) {
			t.Skip()
		}
		s, err := tdx.New().Login(context.Background(), env, &config.Profile{Provider: "tdx", URL: fs.URL, Username: "u"}, "pw-fuzz")
		providertest.CheckLoginResult(t, s, err, "pw-fuzz")
		if err == nil && s.ExpiresAt.IsZero() {
			t.Fatal("a TDX session without expiry")
		}
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	c := providertest.NewClock(time.Now())
	providertest.Conformance(t, providertest.Case{
		Provider: tdx.New(),
		Fake:     sandbox.NewTDX(sandbox.Options{Now: c.Now}),
		Profile: func(url, mode string) *config.Profile {
			user := sandbox.TDXUser
			if mode == tdx.ModeAdmin {
				user = sandbox.TDXBEID
			}
			return &config.Profile{Name: "tdx", Provider: "tdx", URL: url, Mode: mode, Username: user}
		},
		Secret:   map[string]string{tdx.ModeUser: sandbox.TDXPassword, tdx.ModeAdmin: sandbox.TDXWebKey},
		DataPath: func(string) string { return "/api/auth/getuser" },
		Clock:    c,
	})
}

func TestRefusalEchoingTheSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad password s3cret-echo for alice", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	_, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "s3cret-echo")
	if clierr.Code(err) != clierr.Rejected || strings.Contains(err.Error(), "s3cret-echo") || !strings.Contains(err.Error(), "bad password *** for alice") {
		t.Fatalf("err = %v", err)
	}
}

// A server that follows the current Web API documentation refuses anything
// but application/json with 415; sesame's login is accepted, and a 415 is
// reported as a protocol error (exit 5), never as a refusal (exit 3).
func TestContentType415(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnsupportedMediaType)
			w.Write([]byte(`{"Message":"The request entity's media type 'text/json' is not supported for this resource."}`))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(jwt(`{"exp":4102444800,"unique_name":"alice"}`)))
	}))
	t.Cleanup(srv.Close)
	if _, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "pw-415"); err != nil {
		t.Fatalf("login against an application/json-only server: %v", err)
	}
	srv415 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		w.Write([]byte(`{"Message":"The request entity's media type 'text/plain' is not supported for this resource."}`))
	}))
	t.Cleanup(srv415.Close)
	_, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv415.URL, Username: "alice"}, "pw-415")
	if clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "content type (HTTP 415") || strings.Contains(err.Error(), "refused: wrong") {
		t.Fatalf("415: %v (exit %d)", err, clierr.Code(err))
	}
}

// The case: a login answer whose JWT expired in 2014 by this
// machine's clock. It must fail, saying the clock is wrong, not be kept as
// a session "valid until 2014".
func TestExpiredJWTAtLogin(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// The seed's own example token: exp 1400791474 (2014-05-22).
		w.Write([]byte("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJURCIsImF1ZCI6Imh0dHBzOi8vd3d3LnRlYW1keW5hbWl4LmNvbS8iLCJuYmYiOjE0MDA3MDUwNzQsImV4cCI6MTQwMDc5MTQ3NCwidW5pcXVlX25hbWUiOiJUZXN0VGVhbUR5bmFtaXhVc2VyIn0.tiRPGaawhPSy__B_xoyiQ7-mD2GUaBVk10BOsO1eoE8"))
	}))
	t.Cleanup(srv.Close)
	now := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	s, err := tdx.New().Login(context.Background(), providertest.NewEnv(t, now, nil), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "pw-old")
	if s != nil || clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "clock") || !strings.Contains(err.Error(), "d ago") {
		t.Fatalf("session %v, err %v (exit %d)", s, err, clierr.Code(err))
	}
}

// The rate-limit headers of the login answer are kept with the session for
// `sesame doctor` (TeamDynamix sends them on every rate-limited call).
func TestRateLimitHeadersKept(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "59")
		w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:08:14 GMT")
		w.Write([]byte(jwt(`{"exp":4102444800,"unique_name":"alice"}`)))
	}))
	t.Cleanup(srv.Close)
	s, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "pw-rl")
	if err != nil {
		t.Fatal(err)
	}
	rl := s.RateLimit
	if rl == nil || rl.Limit != "60" || rl.Remaining != "59" || !rl.Reset.Equal(time.Date(2018, 3, 28, 16, 8, 14, 0, time.UTC)) {
		t.Fatalf("rate limit %+v", rl)
	}
}

// The API base: a URL naming /TDWebApi or /SBTDWebApi (any case, trailing
// slash or not) is that API; a bare instance takes the sandbox option.
func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, sandbox, want, wantErr string
	}{
		{"https://x.teamdynamix.com", "", "https://x.teamdynamix.com/TDWebApi", ""},
		{"https://x.teamdynamix.com/", "true", "https://x.teamdynamix.com/SBTDWebApi", ""},
		{"https://x.teamdynamix.com/SBTDWebApi", "", "https://x.teamdynamix.com/SBTDWebApi", ""},
		{"https://x.teamdynamix.com/sbtdwebapi/", "", "https://x.teamdynamix.com/SBTDWebApi", ""},
		{"https://x.teamdynamix.com/TDWebApi/", "", "https://x.teamdynamix.com/TDWebApi", ""},
		{"https://x.teamdynamix.com/tdwebapi", "", "https://x.teamdynamix.com/TDWebApi", ""},
		{"https://x.teamdynamix.com/SBTDWebApi", "true", "https://x.teamdynamix.com/SBTDWebApi", ""},
		{"https://x.teamdynamix.com/TDWebApi", "true", "", "names the production API"},
		{"https://td.example.edu/prefix", "", "https://td.example.edu/prefix/TDWebApi", ""},
	}
	for _, tt := range tests {
		p := &config.Profile{Provider: "tdx", URL: tt.url, Options: map[string]string{"sandbox": tt.sandbox}}
		got, err := tdx.New().BaseURL(p)
		switch {
		case tt.wantErr != "":
			if err == nil || clierr.Code(err) != clierr.Usage || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("BaseURL(%s, sandbox=%s) = %q, %v; want exit 2 saying %q", tt.url, tt.sandbox, got, err, tt.wantErr)
			}
		case err != nil || got != tt.want:
			t.Errorf("BaseURL(%s, sandbox=%s) = %q, %v; want %q", tt.url, tt.sandbox, got, err, tt.want)
		}
	}
}

func TestIsGUID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"df0b5273-d7d4-44a3-9dbb-73a57c2904a9":   true,
		"DF0B5273-D7D4-44A3-9DBB-73A57C2904A9":   true,
		"df0b5273d7d444a39dbb73a57c2904a9":       true,
		"{df0b5273-d7d4-44a3-9dbb-73a57c2904a9}": true,
		"(df0b5273-d7d4-44a3-9dbb-73a57c2904a9)": true,
		" df0b5273-d7d4-44a3-9dbb-73a57c2904a9 ": true,
		"df0b5273-d7d4-44a3-9dbb-73a57c2904a":    false,
		"df0b5273-d7d4-44a3-9dbb-73a57c2904a9x":  false,
		"{df0b5273-d7d4-44a3-9dbb-73a57c2904a9)": false,
		"gf0b5273-d7d4-44a3-9dbb-73a57c2904a9":   false,
		"":                                       false,
		"1234":                                   false,
	} {
		if tdx.IsGUID(s) != want {
			t.Errorf("IsGUID(%q) = %v, want %v", s, !want, want)
		}
	}
}

// A key of the wrong shape is refused before any request, and not quoted.
func TestAdminShapeCheckedFirst(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ beid, key string }{
		{"not-a-guid", sandbox.TDXWebKey},
		{sandbox.TDXBEID, "key-typo-7f3a"},
	} {
		_, err := tdx.New().Login(context.Background(), newEnv(t), &config.Profile{Provider: "tdx", URL: srv.URL, Mode: tdx.ModeAdmin, Username: tc.beid}, tc.key)
		if clierr.Code(err) != clierr.Usage || strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), "GUID") {
			t.Errorf("beid %q: err %v (exit %d)", tc.beid, err, clierr.Code(err))
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests sent", hits.Load())
	}
}

// A token valid when asked for but dead when its answer is read: the
// process waited; not a wrong clock.
func TestTokenExpiredWhileWaiting(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := start
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(jwt(fmt.Sprintf(`{"exp":%d,"nbf":%d,"unique_name":"alice"}`, start.Add(24*time.Hour).Unix(), start.Unix()))))
		// The process is stopped for 25 hours while the answer travels.
		mu.Lock()
		now = now.Add(25 * time.Hour)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s, err := tdx.New().Login(context.Background(), providertest.NewEnv(t, clk, nil), &config.Profile{Provider: "tdx", URL: srv.URL, Username: "alice"}, "pw-w")
	if s != nil || clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "expired while this process waited") || strings.Contains(err.Error(), "clock (or the server's) is wrong") || !strings.Contains(err.Error(), "25h0m0s later") {
		t.Fatalf("session %v, err %v (exit %d)", s, err, clierr.Code(err))
	}
}
