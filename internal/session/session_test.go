package session

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/providers/providertest"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
)

// world is a manager wired to a real TDX fake over HTTP, a memory store and
// a clock the test moves.
type world struct {
	mgr  *Manager
	fake *sandbox.TDX
	st   credstore.Store
	p    *config.Profile
	clk  *providertest.Clock
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clk: providertest.NewClock(time.Now()), st: credstore.NewMemory()}
	w.fake = sandbox.NewTDX(sandbox.Options{TTL: time.Hour, Now: w.clk.Now})
	srv := httptest.NewServer(w.fake)
	t.Cleanup(srv.Close)
	hc, err := transport.New(transport.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w.p = &config.Profile{Name: "tdx", Provider: "tdx", URL: srv.URL, Mode: "user", Username: sandbox.TDXUser}
	w.mgr = &Manager{
		Store:    func(*config.Profile) (credstore.Store, error) { return w.st, nil },
		Provider: registry.Get,
		Env:      func() (*providers.Env, error) { return &providers.Env{HTTP: hc, Now: w.clk.Now}, nil },
		Windows: func(*config.Profile) providers.Windows {
			return providers.Windows{Idle: 20 * time.Minute, TTL: 14 * time.Minute}
		},
		LockDir: t.TempDir(),
		Now:     w.clk.Now,
	}
	return w
}

func TestLoginGetRenew(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	s1, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := w.mgr.Get(ctx, w.p, GetOptions{})
	if err != nil || s2.Token != s1.Token {
		t.Fatalf("Get = %v, %v; want the stored session", s2, err)
	}
	w.clk.Advance(2 * time.Hour)
	if _, err := w.mgr.Get(ctx, w.p, GetOptions{NoRenew: true}); clierr.Code(err) != clierr.NoSession {
		t.Fatalf("NoRenew on expired: %v", err)
	}
	s3, err := w.mgr.Get(ctx, w.p, GetOptions{})
	if err != nil || s3.Token == s1.Token {
		t.Fatalf("renewal: %v, same token %v", err, s3 != nil && s3.Token == s1.Token)
	}
	if got := w.fake.Logins(); got != 2 {
		t.Fatalf("logins = %d, want 2", got)
	}
	// A rejected token is renewed once; renewing the same rejected token
	// again finds the fresh one and does not log in.
	s4, err := w.mgr.Renew(ctx, w.p, s3.Token)
	if err != nil || s4.Token == s3.Token {
		t.Fatalf("Renew: %v", err)
	}
	if _, err := w.mgr.Renew(ctx, w.p, s3.Token); err != nil {
		t.Fatal(err)
	}
	if got := w.fake.Logins(); got != 3 {
		t.Fatalf("logins = %d, want 3", got)
	}
}

func TestFailedLoginKeepsStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	before, _ := w.st.Get("tdx")
	if _, err := w.mgr.Login(ctx, w.p, "wrong", true); clierr.Code(err) != clierr.Rejected {
		t.Fatalf("wrong password: %v", err)
	}
	after, _ := w.st.Get("tdx")
	if string(before) != string(after) {
		t.Fatal("a failed login changed the store")
	}
}

func TestNoSavedSecret(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, false); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(2 * time.Hour)
	if _, err := w.mgr.Get(ctx, w.p, GetOptions{}); clierr.Code(err) != clierr.NoSession {
		t.Fatalf("expired without secret: %v", err)
	}
	if _, err := w.mgr.Get(ctx, &config.Profile{Name: "other", Provider: "tdx"}, GetOptions{}); clierr.Code(err) != clierr.NoSession {
		t.Fatalf("no session: %v", err)
	}
}

func TestConcurrentRenewalLogsInOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(2 * time.Hour)
	const n = 16
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := w.mgr.Get(ctx, w.p, GetOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = s.Token
		}()
	}
	wg.Wait()
	for _, tok := range tokens[1:] {
		if tok != tokens[0] {
			t.Fatal("goroutines got different tokens")
		}
	}
	if got := w.fake.Logins(); got != 2 {
		t.Fatalf("logins = %d, want 2 (one login, one renewal)", got)
	}
}

func TestCorruptRecord(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, data := range []string{"", "{", "null", `{"v":3}`, `{"v":1,"session":{"provider":"ym","token":"x"}}`} {
		_ = w.st.Set("tdx", []byte(data))
		if _, err := w.mgr.Get(context.Background(), w.p, GetOptions{}); clierr.Code(err) != clierr.Store {
			t.Errorf("%q: err = %v, want exit 6", data, err)
		}
	}
}

// FuzzRecord: any bytes in the store give a record or an exit-6 error, and a
// record that loads saves back to the same meaning.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"session":{"provider":"tdx","token":"eyJ.x.y","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-24T10:00:00Z"},"secret":"pw"}`))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"session":{"provider":"tdx","fields":{"a":"b"},"secret_fields":{"c":"d"},"last_used":"2026-11-23T10:00:00Z"}}`))
	f.Add([]byte(`[]`))
	p := &config.Profile{Name: "tdx", Provider: "tdx"}
	f.Fuzz(func(t *testing.T, data []byte) {
		st := credstore.NewMemory()
		_ = st.Set("tdx", data)
		rec, err := load(st, "tdx", p)
		if err != nil {
			if clierr.Code(err) != clierr.Store {
				t.Fatalf("exit %d: %v", clierr.Code(err), err)
			}
			return
		}
		out, err := marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		_ = st.Set("tdx", out)
		again, err := load(st, "tdx", p)
		if err != nil {
			t.Fatalf("a saved record does not load: %v", err)
		}
		b1, _ := marshal(again)
		if string(b1) != string(out) {
			t.Fatalf("round trip changed the record:\n%s\n%s", out, b1)
		}
	})
}
