package session

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers"
)

// Benchmarks of the session manager's own work: loading and decoding the
// stored record, checking expiry, locking, saving. The provider is a fake
// that does no I/O, so a Login here is only the manager's share of one.
// `go run ./bench` runs these; plain `go test` does not.

// benchProvider logs in instantly with a TDX-sized session.
type benchProvider struct {
	now func() time.Time
}

// benchJWT is as long as a real TDX JWT.
var benchJWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." + strings.Repeat("eyJpc3MiOiJURCIsImF1ZCI6Imh0dHBzOi8v", 8) + ".c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln"

func (benchProvider) Name() string             { return "tdx" }
func (benchProvider) Info() providers.Info     { return providers.Info{Name: "tdx"} }
func (benchProvider) Modes() []string          { return []string{"user"} }
func (benchProvider) SecretName(string) string { return "password" }
func (benchProvider) BaseURL(*config.Profile) (string, error) {
	return "https://bench.invalid/TDWebApi", nil
}
func (b benchProvider) Login(_ context.Context, _ *providers.Env, p *config.Profile, _ string) (*providers.Session, error) {
	now := b.now()
	return &providers.Session{Provider: p.Provider, Mode: p.Mode, Token: benchJWT, User: p.Username, IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}, nil
}
func (benchProvider) Headers(_ *config.Profile, s *providers.Session) []providers.Header {
	return []providers.Header{{Name: "Authorization", Value: "Bearer " + s.Token}}
}
func (benchProvider) ValidUntil(s *providers.Session, _ providers.Windows) time.Time {
	return s.ExpiresAt
}
func (benchProvider) IsAuthError(status int, _ http.Header, _ []byte) bool { return status == 401 }

var _ providers.Provider = benchProvider{}

// benchManager is a manager over st with a clock the benchmark can move.
func benchManager(b *testing.B, st credstore.Store, now *time.Time) (*manager, *config.Profile) {
	b.Helper()
	clock := func() time.Time { return *now }
	m := &manager{
		Store:    func(*config.Profile) (credstore.Store, error) { return st, nil },
		Provider: func(string) (providers.Provider, error) { return benchProvider{now: clock}, nil },
		Env:      func() (*providers.Env, error) { return &providers.Env{Now: clock}, nil },
		Windows: func(*config.Profile) providers.Windows {
			return providers.Windows{Idle: 20 * time.Minute, TTL: 14 * time.Minute}
		},
		LockDir: b.TempDir(),
		Now:     clock,
	}
	return m, &config.Profile{Name: "tdx", Provider: "tdx", URL: "https://bench.invalid", Mode: "user", Username: "alice"}
}

func benchStores(b *testing.B) map[string]func() credstore.Store {
	return map[string]func() credstore.Store{
		"memory": credstore.NewMemory,
		"file":   func() credstore.Store { return credstore.NewFile(b.TempDir(), nil) },
	}
}

// BenchmarkGet is `token show`'s share of the manager: a valid stored
// session, loaded, decoded and checked.
func BenchmarkGet(b *testing.B) {
	for _, name := range []string{"memory", "file"} {
		b.Run(name, func(b *testing.B) {
			now := time.Now()
			m, p := benchManager(b, benchStores(b)[name](), &now)
			ctx := context.Background()
			if _, err := m.Login(ctx, p, "secret", true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Get(ctx, p, GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLogin is the manager's share of a login: the lock, encoding
// and the atomic save (with its fsync, for the file store).
func BenchmarkLogin(b *testing.B) {
	for _, name := range []string{"memory", "file"} {
		b.Run(name, func(b *testing.B) {
			now := time.Now()
			m, p := benchManager(b, benchStores(b)[name](), &now)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Login(ctx, p, "secret", true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenew is Get on an expired session: lock, re-read, log in with
// the saved secret, save.
func BenchmarkRenew(b *testing.B) {
	for _, name := range []string{"memory", "file"} {
		b.Run(name, func(b *testing.B) {
			now := time.Now()
			m, p := benchManager(b, benchStores(b)[name](), &now)
			ctx := context.Background()
			if _, err := m.Login(ctx, p, "secret", true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(25 * time.Hour) // past the session's end
				if _, err := m.Get(ctx, p, GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
