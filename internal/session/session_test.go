package session

import (
	"context"
	"net/http/httptest"
	"strings"
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
	mgr  *manager
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
	w.mgr = &manager{
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

// A token with less than the provider's margin left (TDX: a minute) is
// renewed, not handed out; one with more is kept.
func TestRenewMargin(t *testing.T) {
	t.Parallel()
	w := newWorld(t) // TTL 1h
	ctx := context.Background()
	s1, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Hour - 2*time.Minute)
	if s, err := w.mgr.Get(ctx, w.p, GetOptions{}); err != nil || s.Token != s1.Token {
		t.Fatalf("two minutes left: %v, renewed %v", err, s != nil && s.Token != s1.Token)
	}
	w.clk.Advance(75 * time.Second)
	s2, err := w.mgr.Get(ctx, w.p, GetOptions{})
	if err != nil || s2.Token == s1.Token || w.fake.Logins() != 2 {
		t.Fatalf("45 s left: %v, logins %d", err, w.fake.Logins())
	}
}

// --min-valid is judged against the documented length and the longest
// session seen, not against the current (short) one.
func TestMinValidLearnt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.fake.SetTTL(20 * time.Minute)
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	w.fake.SetTTL(24 * time.Hour)
	s, err := w.mgr.Get(ctx, w.p, GetOptions{MinValid: time.Hour})
	if err != nil || w.fake.Logins() != 2 {
		t.Fatalf("Get --min-valid 1h after a 20m token: %v, logins %d", err, w.fake.Logins())
	}
	rec, err := w.mgr.Load(w.p)
	if err != nil || rec.LongestLife < 23*time.Hour+59*time.Minute || rec.Session.Token != s.Token {
		t.Fatalf("record %+v, %v", rec, err)
	}
	if _, err := w.mgr.Get(ctx, w.p, GetOptions{MinValid: 25 * time.Hour}); clierr.Code(err) != clierr.Usage || w.fake.Logins() != 2 {
		t.Fatalf("--min-valid 25h: %v, logins %d", err, w.fake.Logins())
	}
}

// A session the vendor refused in use is recorded with when and by which
// call; with no secret to renew it, Get refuses it (exit 4) from then on,
// and a new login clears it.
func TestRejectedSessionRecorded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	s1, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, false)
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Minute)
	if _, err := w.mgr.Renew(withCall(ctx, "GET /TDWebApi/api/people/x"), w.p, s1.Token); clierr.Code(err) != clierr.NoSession {
		t.Fatalf("Renew without a secret: %v", err)
	}
	rec, err := w.mgr.Load(w.p)
	if err != nil || rec.Rejected == nil || rec.Rejected.By != "GET /TDWebApi/api/people/x" || !rec.Rejected.At.Equal(w.clk.Now()) {
		t.Fatalf("record %+v, %v", rec.Rejected, err)
	}
	_, err = w.mgr.Get(ctx, w.p, GetOptions{})
	if clierr.Code(err) != clierr.NoSession || !strings.Contains(err.Error(), "the vendor ended the session of profile tdx") || !strings.Contains(err.Error(), "sesame login tdx -p tdx") {
		t.Fatalf("Get after rejection: %v", err)
	}
	if _, err := w.mgr.Login(ctx, w.p, sandbox.TDXPassword, true); err != nil {
		t.Fatal(err)
	}
	if rec, _ := w.mgr.Load(w.p); rec.Rejected != nil {
		t.Fatalf("a new login kept the rejection: %+v", rec.Rejected)
	}
	// With a saved secret, a rejection is renewed at once and not kept.
	s3, err := w.mgr.Get(ctx, w.p, GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s4, err := w.mgr.Renew(withCall(ctx, "GET /x"), w.p, s3.Token)
	if err != nil || s4.Token == s3.Token {
		t.Fatalf("Renew with a secret: %v", err)
	}
	if rec, _ := w.mgr.Load(w.p); rec.Rejected != nil {
		t.Fatalf("a renewed session kept the rejection: %+v", rec.Rejected)
	}
}
