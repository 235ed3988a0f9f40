package tdx_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/tdx"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
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

func newEnv(t *testing.T) *providers.Env {
	t.Helper()
	c, err := transport.New(transport.Options{Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Env{HTTP: c, Now: time.Now}
}

// recorder keeps the requests a fake saw.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
	next http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.body = append(r.body, string(b))
	r.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(b)))
	r.next.ServeHTTP(w, req)
}

func TestLoginWire(t *testing.T) {
	t.Parallel()
	rec := &recorder{next: sandbox.NewTDX(sandbox.Options{})}
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
	r := rec.reqs[0]
	if r.Method != "POST" || r.URL.Path != "/TDWebApi/api/auth/login" || r.Header.Get("Content-Type") != "text/json; charset=utf-8" {
		t.Fatalf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if rec.body[0] != `{"username":"alice","password":"wonderland-42"}` {
		t.Fatalf("body %s", rec.body[0])
	}
	if h := p.Headers(nil, s); len(h) != 1 || h[0].Value != "Bearer "+s.Token {
		t.Fatalf("headers %v", h)
	}

	_, err = p.Login(context.Background(), env, &config.Profile{Name: "t", Provider: "tdx", URL: srv.URL, Mode: "admin", Username: sandbox.TDXBEID, Options: map[string]string{"sandbox": "true"}}, sandbox.TDXWebKey)
	if err != nil {
		t.Fatal(err)
	}
	r = rec.reqs[1]
	if r.URL.Path != "/SBTDWebApi/api/auth/loginadmin" || rec.body[1] != `{"BEID":"`+sandbox.TDXBEID+`","WebServicesKey":"`+sandbox.TDXWebKey+`"}` {
		t.Fatalf("admin request %s %s", r.URL.Path, rec.body[1])
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

// FuzzLoginResponse feeds arbitrary login answers to the adapter: it must
// return a session or an error with exit code 3 or 5, never panic.
func FuzzLoginResponse(f *testing.F) {
	f.Add(200, "text/plain", jwt(`{"exp":1900000000}`))
	f.Add(200, "text/html", "<html>")
	f.Add(401, "text/plain", "Invalid username or password.")
	f.Add(500, "application/json", `{"Message":"boom"}`)
	f.Add(200, "text/plain", `"`+jwt(`{"exp":1900000000}`)+`"`)
	var mu sync.Mutex
	var status int
	var ctype, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	f.Cleanup(srv.Close)
	c, _ := transport.New(transport.Options{Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	env := &providers.Env{HTTP: c, Now: time.Now}
	f.Fuzz(func(t *testing.T, st int, ct, b string) {
		if st < 200 || st > 599 || (st >= 300 && st < 400) {
			t.Skip()
		}
		mu.Lock()
		status, ctype, body = st, ct, b
		mu.Unlock()
		s, err := tdx.New().Login(context.Background(), env, &config.Profile{Provider: "tdx", URL: srv.URL, Username: "u"}, "pw-fuzz")
		if err == nil {
			if s == nil || s.Token == "" || s.ExpiresAt.IsZero() {
				t.Fatalf("no error and no usable session: %+v", s)
			}
			return
		}
		if code := clierr.Code(err); code != clierr.Rejected && code != clierr.Network {
			t.Fatalf("exit code %d for %v", code, err)
		}
		if strings.Contains(err.Error(), "pw-fuzz") {
			t.Fatalf("error quotes the password: %v", err)
		}
	})
}
