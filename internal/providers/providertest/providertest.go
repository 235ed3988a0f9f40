// Package providertest is what every provider adapter's tests share: a
// settable clock, a recorder that keeps the exact wire of each exchange, an
// Env whose retries do not sleep, a fuzz harness for login answers, and
// Conformance, the contract every adapter must meet against its fake.
//
// It is for tests only: nothing outside _test.go files may import it.
package providertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Clock is a settable clock for a fake and an adapter.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Exchange is one request a Recorder saw, with the answer's status and
// headers. Path is escaped, as on the wire.
type Exchange struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	Status                 int
	RespHeader             http.Header
}

// Recorder wraps a handler and keeps every exchange, to check the wire.
type Recorder struct {
	h   http.Handler
	mu  sync.Mutex
	got []Exchange
}

// NewRecorder records what reaches h.
func NewRecorder(h http.Handler) *Recorder { return &Recorder{h: h} }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

// ServeHTTP implements http.Handler.
func (rc *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rc.h.ServeHTTP(sw, r)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, Exchange{
		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
		Status: sw.status, RespHeader: w.Header().Clone(),
	})
}

// All returns the exchanges so far.
func (rc *Recorder) All() []Exchange {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Exchange(nil), rc.got...)
}

// Last returns the latest exchange, failing the test when there is none.
func (rc *Recorder) Last(t testing.TB) Exchange {
	t.Helper()
	ex := rc.All()
	if len(ex) == 0 {
		t.Fatal("no request reached the server")
	}
	return ex[len(ex)-1]
}

// NewEnv is a providers.Env whose retries do not sleep; debug may be nil.
func NewEnv(t testing.TB, now func() time.Time, debug io.Writer) *providers.Env {
	t.Helper()
	hc, err := transport.New(transport.Options{
		Timeout: 5 * time.Second,
		Debug:   debug,
		Sleep:   func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if now == nil {
		now = time.Now
	}
	return &providers.Env{HTTP: hc, Now: now}
}

// CheckLoginResult asserts the Login error contract: a usable session, or an
// error with exit code 3 or 5 that does not quote secret.
func CheckLoginResult(t testing.TB, s *providers.Session, err error, secret string) {
	t.Helper()
	if err == nil {
		if s == nil || s.Token == "" {
			t.Fatalf("no error and no usable session: %+v", s)
		}
		return
	}
	if code := clierr.Code(err); code != clierr.Rejected && code != clierr.Network {
		t.Fatalf("exit code %d for %v", code, err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error quotes the secret: %v", err)
	}
}

// Answer is what a FuzzServer says to the login request it is aimed at.
type Answer struct {
	Status      int
	ContentType string
	Body        string
	Header      http.Header
}

// FuzzServer answers requests whose path ends in Target with the current
// Answer, and hands all others to Rest (nil: 404).
type FuzzServer struct {
	URL    string
	Target string
	Rest   http.Handler
	mu     sync.Mutex
	a      Answer
}

// NewFuzzServer starts a FuzzServer for the fuzz target's lifetime.
func NewFuzzServer(f *testing.F, target string, rest http.Handler) *FuzzServer {
	fs := &FuzzServer{Target: target, Rest: rest}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, fs.Target) {
			if fs.Rest != nil {
				fs.Rest.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		fs.mu.Lock()
		a := fs.a
		fs.mu.Unlock()
		for k, vs := range a.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", a.ContentType)
		w.WriteHeader(a.Status)
		io.WriteString(w, a.Body)
	}))
	f.Cleanup(srv.Close)
	fs.URL = srv.URL
	return fs
}

// Set makes the next answers a; it reports false (skip this input) for a
// status the harness cannot send or that no client would see as an answer.
func (fs *FuzzServer) Set(a Answer) bool {
	if a.Status < 200 || a.Status > 599 || (a.Status >= 300 && a.Status < 400) {
		return false
	}
	fs.mu.Lock()
	fs.a = a
	fs.mu.Unlock()
	return true
}

// Case describes one adapter for Conformance.
type Case struct {
	Provider providers.Provider
	// Fake is the adapter's fake vendor, built with the clock's Now.
	Fake http.Handler
	// Profile returns the profile for a mode against a fake at url.
	Profile func(url, mode string) *config.Profile
	// Secret is the right secret for each mode.
	Secret map[string]string
	// DataPath is a path below the API base that needs a live session, for
	// a mode.
	DataPath func(mode string) string
	Clock    *Clock
}

// Conformance checks the contract every adapter meets against its fake, in
// every mode: a login gives a session whose headers authenticate a data
// request (and no headers do not), that round-trips through JSON, and that
// expires as ValidUntil says; a wrong secret is exit 3 and quoted nowhere.
func Conformance(t *testing.T, c Case) {
	t.Run(c.Provider.Name()+"/info", func(t *testing.T) { CheckInfo(t, c.Provider) })
	rec := NewRecorder(c.Fake)
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	env := NewEnv(t, c.Clock.Now, nil)
	w := providers.Windows{Idle: 20 * time.Minute, TTL: 14 * time.Minute}
	for _, mode := range c.Provider.Modes() {
		secret, ok := c.Secret[mode]
		if !ok {
			continue
		}
		t.Run(c.Provider.Name()+"/"+mode, func(t *testing.T) {
			p := c.Profile(srv.URL, mode)
			before := len(rec.All())
			s, err := c.Provider.Login(context.Background(), env, p, secret)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			checkLoginRefused(t, c.Provider, rec.All()[before:], secret)
			if s.Provider != c.Provider.Name() || s.Token == "" || s.IssuedAt.IsZero() {
				t.Fatalf("session %+v", s)
			}
			base, err := c.Provider.BaseURL(p)
			if err != nil {
				t.Fatal(err)
			}
			get := func(hs []providers.Header) *transport.Response {
				h := http.Header{}
				for _, x := range hs {
					h.Set(x.Name, x.Value)
				}
				resp, err := env.HTTP.Do(context.Background(), &transport.Request{Method: "GET", URL: base + c.DataPath(mode), Header: h})
				if err != nil {
					t.Fatal(err)
				}
				return resp
			}
			if r := get(c.Provider.Headers(p, s)); r.Status != http.StatusOK {
				t.Fatalf("data request with the session's headers: HTTP %d %s", r.Status, r.Body)
			}
			if r := get(nil); !c.Provider.IsAuthError(r.Status, r.Header, r.Body) {
				t.Fatalf("data request without headers: HTTP %d is not an auth error", r.Status)
			}
			// The call `status --check` makes answers 2xx to a live session
			// and an auth error to one the vendor does not know.
			if check := c.Provider.Info().Check; check != nil {
				call := check(p)
				send := func(hs []providers.Header) *transport.Response {
					h := http.Header{"Accept": {"application/json"}}
					if call.Body != nil {
						h.Set("Content-Type", "application/json")
					}
					for _, x := range hs {
						h.Set(x.Name, x.Value)
					}
					resp, err := env.HTTP.Do(context.Background(), &transport.Request{Method: call.Method, URL: base + call.Path, Header: h, Body: call.Body})
					if err != nil {
						t.Fatal(err)
					}
					return resp
				}
				if r := send(c.Provider.Headers(p, s)); r.Status < 200 || r.Status > 299 || c.Provider.IsAuthError(r.Status, r.Header, r.Body) {
					t.Fatalf("check call %s %s with the session: HTTP %d %s", call.Method, call.Path, r.Status, r.Body)
				}
				stale := *s
				stale.Token = "STALE" + strings.ToUpper(s.Token[:min(len(s.Token), 8)]) + "0000"
				if r := send(c.Provider.Headers(p, &stale)); !c.Provider.IsAuthError(r.Status, r.Header, r.Body) {
					t.Fatalf("check call %s %s with a session the vendor does not know: HTTP %d is not an auth error", call.Method, call.Path, r.Status)
				}
			}
			raw, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back providers.Session
			if err := json.Unmarshal(raw, &back); err != nil || back.Token != s.Token || !back.IssuedAt.Equal(s.IssuedAt) {
				t.Fatalf("JSON round trip: %v %+v", err, back)
			}
			if until := c.Provider.ValidUntil(s, w); !until.IsZero() {
				now := c.Clock.Now()
				if providers.Expired(c.Provider, s, w, now, 0) || !providers.Expired(c.Provider, s, w, until, 0) {
					t.Fatalf("expiry: valid until %v, now %v", until, now)
				}
			}
			// A wrong secret of the right shape (a GUID stays a GUID), so
			// that the vendor, not a local shape check, refuses it.
			_, err = c.Provider.Login(context.Background(), env, p, wrongSecret(secret))
			if clierr.Code(err) != clierr.Rejected || strings.Contains(err.Error(), secret) {
				t.Fatalf("wrong secret: exit %d: %v", clierr.Code(err), err)
			}
		})
	}
}

// wrongSecret is secret with its last character changed, keeping its shape.
func wrongSecret(secret string) string {
	if secret == "" {
		return "x"
	}
	last := secret[len(secret)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return secret[:len(secret)-1] + string(repl)
}

// CheckInfo checks what a provider says about itself: its name, a login
// command that generic code can build (a Parse, flags with help, exclusive
// groups of flags it declares, none clashing with the flags every login
// shares), and secret header and key names that redaction hides.
func CheckInfo(t testing.TB, p providers.Provider) {
	t.Helper()
	info := p.Info()
	if info.Name != p.Name() {
		t.Errorf("Info().Name %q, Name() %q", info.Name, p.Name())
	}
	l := info.Login
	if l.Parse == nil || l.Short == "" || !strings.HasPrefix(l.Use, p.Name()) {
		t.Errorf("login: want a Parse, a Short and a Use starting with %q: %+v", p.Name(), l)
	}
	declared := map[string]bool{}
	for _, f := range l.Flags {
		switch {
		case f.Name == "" || f.Usage == "":
			t.Errorf("login flag %+v: want a name and a usage", f)
		case declared[f.Name]:
			t.Errorf("login flag --%s declared twice", f.Name)
		case slices.Contains(SharedLoginFlags, f.Name):
			t.Errorf("login flag --%s is one every login already has", f.Name)
		}
		declared[f.Name] = true
	}
	for _, g := range l.Exclusive {
		for _, name := range g {
			if !declared[name] {
				t.Errorf("exclusive group %v names --%s, which the login does not declare", g, name)
			}
		}
	}
	for _, h := range info.SecretHeaders {
		if !redact.IsSecretHeader(h) {
			t.Errorf("secret header %s is not hidden by redact", h)
		}
	}
	for _, k := range info.SecretJSONKeys {
		if !redact.IsSecretKey(k) {
			t.Errorf("secret JSON key %s is not hidden by redact", k)
		}
	}
	for mode := range info.SingleUse {
		if !slices.Contains(p.Modes(), mode) {
			t.Errorf("single-use mode %q is not one of Modes %v", mode, p.Modes())
		}
	}
	switch {
	case info.RefusedPath == nil && strings.TrimSpace(info.NoRefusedPath) == "":
		t.Errorf("Info().RefusedPath is nil: declare the login paths the proxy must refuse, or say in NoRefusedPath why there are none")
	case info.RefusedPath != nil && info.NoRefusedPath != "":
		t.Errorf("Info() declares both RefusedPath and NoRefusedPath %q", info.NoRefusedPath)
	}
	for _, s := range info.WindowSettings {
		if s != "session_idle" && s != "session_ttl" {
			t.Errorf("window setting %q: want session_idle or session_ttl", s)
		}
	}
}

// checkLoginRefused: every path a login sent the secret to mints or tests
// credentials, so the provider's RefusedPath must refuse it (the proxy
// would otherwise let any client log in through it).
func checkLoginRefused(t *testing.T, p providers.Provider, login []Exchange, secret string) {
	t.Helper()
	refused := p.Info().RefusedPath
	for _, ex := range login {
		carries := bytes.Contains(ex.Body, []byte(secret)) || strings.Contains(ex.Path, secret)
		for _, vs := range ex.Header {
			for _, v := range vs {
				if strings.Contains(v, secret) {
					carries = true
				}
				if b, ok := strings.CutPrefix(v, "Basic "); ok {
					if d, err := base64.StdEncoding.DecodeString(b); err == nil && strings.Contains(string(d), secret) {
						carries = true
					}
				}
			}
		}
		if !carries {
			continue
		}
		if refused == nil {
			t.Errorf("login sends the secret to %s %s, and Info().RefusedPath is nil: the proxy would let clients log in through it", ex.Method, ex.Path)
			continue
		}
		if path, err := url.PathUnescape(ex.Path); err != nil || !refused(strings.ToLower(path)) {
			t.Errorf("login sends the secret to %s %s, which Info().RefusedPath does not refuse", ex.Method, ex.Path)
		}
	}
}

// SharedLoginFlags are the flags the generic login command gives every
// provider; a provider must not declare them again.
var SharedLoginFlags = []string{"password-stdin", "key-stdin", "secret-stdin", "no-save-secret", "save-secret", "shared", "shared-namespace", "profile", "help"}
