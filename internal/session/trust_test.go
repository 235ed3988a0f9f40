package session

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

func TestBoundToOriginAndAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	rec, err := w.mgr.Load(w.p)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(w.p.URL, "http://"); rec.Origin != "http://"+want || rec.Account != sandbox.TDXUser || rec.Mode != "user" {
		t.Fatalf("record bound to %q %q %q", rec.Origin, rec.Account, rec.Mode)
	}
	w.clk.Advance(2 * time.Hour) // a Get would renew with the saved secret
	for name, edit := range map[string]func(p *config.Profile){
		"url":      func(p *config.Profile) { p.URL = "http://127.0.0.1:1" },
		"port":     func(p *config.Profile) { p.URL = strings.Replace(p.URL, "127.0.0.1:", "127.0.0.1:1", 1) },
		"account":  func(p *config.Profile) { p.Username = "mallory" },
		"mode":     func(p *config.Profile) { p.Mode = "admin" },
		"scheme":   func(p *config.Profile) { p.URL = strings.Replace(p.URL, "http://127.0.0.1", "https://127.0.0.1", 1) },
		"hostname": func(p *config.Profile) { p.URL = strings.Replace(p.URL, "127.0.0.1", "localhost", 1) },
	} {
		p := *w.p
		edit(&p)
		if _, err := w.mgr.Get(ctx, &p, GetOptions{}); clierr.Code(err) != clierr.NoSession {
			t.Errorf("%s changed: err = %v, want exit 4", name, err)
		}
		if _, err := w.mgr.Renew(ctx, &p, "x"); clierr.Code(err) != clierr.NoSession {
			t.Errorf("%s changed: Renew err = %v, want exit 4", name, err)
		}
		if _, err := w.mgr.Load(&p); clierr.Code(err) != clierr.NoSession {
			t.Errorf("%s changed: Load err = %v, want exit 4", name, err)
		}
	}
	if n := w.fake.Logins(); n != 1 {
		t.Fatalf("logins = %d, want 1: a changed profile got the saved secret", n)
	}
	// The case of the host does not matter.
	p := *w.p
	p.URL = strings.ToUpper(p.URL[:4]) + p.URL[4:]
	if _, err := w.mgr.Get(ctx, &p, GetOptions{}); err != nil {
		t.Fatalf("same origin, other spelling: %v", err)
	}
}

func TestVersion1RecordRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_ = w.st.Set("tdx", []byte(`{"v":1,"session":{"provider":"tdx","token":"eyJ.x.y","issued_at":"2026-11-23T10:00:00Z"},"secret":"pw"}`))
	_, err := w.mgr.Get(context.Background(), w.p, GetOptions{})
	if clierr.Code(err) != clierr.NoSession || !strings.Contains(err.Error(), "older sesame") || !strings.Contains(err.Error(), "sesame login tdx -p tdx") {
		t.Fatalf("v1 record: %v", err)
	}
	if w.fake.Logins() != 0 {
		t.Fatal("a v1 record's secret was sent")
	}
	// A new login replaces it.
	if _, err := w.mgr.Login(context.Background(), w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.mgr.Get(context.Background(), w.p, GetOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestKeyedStoreItems(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mgr.Key = func(p *config.Profile, _ credstore.Store) string { return p.Name + "@" + p.Option("cfg", "") }
	a, b := *w.p, *w.p
	a.Options = map[string]string{"cfg": "a"}
	b.Options = map[string]string{"cfg": "b"}
	ctx := context.Background()
	sa, err := w.mgr.Login(ctx, &a, sandbox.TDXPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := w.mgr.Login(ctx, &b, sandbox.TDXPassword, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tdx@a", "tdx@b"} {
		if _, err := w.st.Get(k); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	ga, _ := w.mgr.Get(ctx, &a, GetOptions{})
	gb, _ := w.mgr.Get(ctx, &b, GetOptions{})
	if ga.Token != sa.Token || gb.Token != sb.Token {
		t.Fatal("one login overwrote the other's session")
	}
	if err := w.mgr.Logout(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := w.mgr.Get(ctx, &a, GetOptions{}); err != nil {
		t.Fatalf("logging out of b removed a: %v", err)
	}
}

func TestRefusedSecretRecorded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	// The password changes on the server: simulate with a stored wrong one.
	rec, _ := load(w.st, "tdx", w.p)
	rec.Secret = "old-password"
	if err := w.mgr.save(w.st, "tdx", rec); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(2 * time.Hour)
	if _, err := w.mgr.Get(ctx, w.p, GetOptions{}); clierr.Code(err) != clierr.Rejected {
		t.Fatalf("first renewal: %v", err)
	}
	rec, _ = load(w.st, "tdx", w.p)
	if rec.Secret != "" || !rec.RefusedAt.Equal(w.clk.Now()) {
		t.Fatalf("refusal not recorded: secret %q, refused at %v", rec.Secret, rec.RefusedAt)
	}
	for range 3 {
		_, err := w.mgr.Get(ctx, w.p, GetOptions{})
		if clierr.Code(err) != clierr.Rejected || !strings.Contains(err.Error(), "the saved password of profile tdx was refused at") {
			t.Fatalf("later renewal: %v", err)
		}
	}
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(2 * time.Hour)
	if _, err := w.mgr.Get(ctx, w.p, GetOptions{}); err != nil {
		t.Fatalf("after a new login: %v", err)
	}
}

// rawProvider hands out a session whose every string is bytes that are not
// UTF-8, as a vendor's cookie may be.
type rawProvider struct{ providers.Provider }

const rawBytes = "tok\xff\xfe\x80en\xc3"

func (rawProvider) Name() string                              { return "tdx" }
func (rawProvider) Modes() []string                           { return []string{"user"} }
func (rawProvider) SecretName(string) string                  { return "password" }
func (rawProvider) Info() providers.Info                      { return providers.Info{Name: "tdx"} }
func (rawProvider) BaseURL(p *config.Profile) (string, error) { return p.URL, nil }
func (rawProvider) ValidUntil(*providers.Session, providers.Windows) time.Time {
	return time.Time{}
}
func (rawProvider) IsAuthError(int, http.Header, []byte) bool { return false }
func (rawProvider) Login(_ context.Context, _ *providers.Env, _ *config.Profile, secret string) (*providers.Session, error) {
	return &providers.Session{
		Provider: "tdx", Token: rawBytes + secret, User: "\xe9milie",
		Fields:       map[string]string{"f": "\x80", "ok": "plain"},
		SecretFields: map[string]string{"cookie": "a\xffb"},
	}, nil
}

func TestNonUTF8SurvivesStore(t *testing.T) {
	t.Parallel()
	for _, st := range []credstore.Store{credstore.NewMemory(), credstore.NewFile(t.TempDir(), nil)} {
		t.Run(st.Name(), func(t *testing.T) {
			m := &manager{
				Store:    func(*config.Profile) (credstore.Store, error) { return st, nil },
				Provider: func(string) (providers.Provider, error) { return rawProvider{}, nil },
				Env:      func() (*providers.Env, error) { return &providers.Env{}, nil },
				Windows:  func(*config.Profile) providers.Windows { return providers.Windows{} },
				LockDir:  t.TempDir(),
				Now:      time.Now,
			}
			p := &config.Profile{Name: "raw", Provider: "tdx", URL: "https://vendor.example", Mode: "user"}
			secret := "p\xe4ss" // Latin-1 from stdin
			s, err := m.Login(context.Background(), p, secret, true)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Get(context.Background(), p, GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != s.Token || got.User != s.User || got.Fields["f"] != "\x80" || got.Fields["ok"] != "plain" || got.SecretFields["cookie"] != "a\xffb" {
				t.Fatalf("session changed in the store: %q %q %q", got.Token, got.User, got.Fields)
			}
			rec, err := m.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Secret != secret || len(rec.Raw) != 0 {
				t.Fatalf("secret %q, raw %v", rec.Secret, rec.Raw)
			}
			if s.Token != rawBytes+secret {
				t.Fatal("saving changed the caller's session")
			}
		})
	}
}

func TestLockWaitBounded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.p
	unlock, err := w.mgr.lock(context.Background(), p, "tdx")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	m2 := *w.mgr
	m2.LockWait = 30 * time.Millisecond
	_, err = m2.lock(context.Background(), p, "tdx")
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "profile tdx") || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("bounded wait: %v", err)
	}
}

func TestLockWaitInterrupted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	unlock, err := w.mgr.lock(context.Background(), w.p, "tdx")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.mgr.lock(ctx, w.p, "tdx") // LockWait: the 4-minute default
	if clierr.Code(err) != clierr.Interrupted || !strings.Contains(err.Error(), "profile tdx") {
		t.Fatalf("interrupted wait: %v", err)
	}
	// The abandoned attempt does not keep the lock once it gets it.
	unlock()
	again, err := w.mgr.lock(context.Background(), w.p, "tdx")
	if err != nil {
		t.Fatal(err)
	}
	again()
}
