package cmd

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
)

// BenchmarkWriteToken is the output end of `token show`: the provider's
// headers built from a loaded session and rendered in each --format.
// `go run ./bench` runs it; plain `go test` does not.
func BenchmarkWriteToken(b *testing.B) {
	now := time.Now()
	jwt := "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." + strings.Repeat("eyJpc3MiOiJURCIsImF1ZCI6Imh0dHBzOi8v", 8) + ".c2lnbmF0dXJl"
	cases := []struct {
		p *config.Profile
		s *providers.Session
	}{
		{
			&config.Profile{Name: "tdx", Provider: "tdx", URL: "https://org.teamdynamix.com", Mode: "user", Username: "alice"},
			&providers.Session{Provider: "tdx", Mode: "user", Token: jwt, User: "alice", IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
		},
		{
			&config.Profile{Name: "ams", Provider: "ams", URL: "https://ams.example.com/club", Mode: "v2", Username: "coach", Options: map[string]string{"app_id": "club.sync"}},
			&providers.Session{Provider: "ams", Mode: "v2", Token: "0123456789abcdef0123456789abcdef", User: "coach", IssuedAt: now,
				Fields: map[string]string{"application_id": "42"}, SecretFields: map[string]string{"skype_name": "coach.skype"}},
		},
		{
			&config.Profile{Name: "ym", Provider: "ym", URL: "https://ws.yourmembership.com", Mode: "member", Username: "jdoe", Options: map[string]string{"client_id": "31337"}},
			&providers.Session{Provider: "ym", Mode: "member", Token: "8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d", User: "jdoe", IssuedAt: now,
				Fields: map[string]string{"client_id": "31337", "member_id": "1001"}, SecretFields: map[string]string{"bearer_token": jwt}},
		},
	}
	for _, c := range cases {
		prov, err := registry.Get(c.p.Provider)
		if err != nil {
			b.Fatal(err)
		}
		l := &liveSession{Profile: c.p, Provider: prov, Session: c.s, Windows: providers.Windows{Idle: 20 * time.Minute, TTL: 14 * time.Minute}}
		for _, format := range []string{"raw", "header", "curl", "json"} {
			b.Run(c.p.Provider+"/"+format, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := writeToken(io.Discard, l, format); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
