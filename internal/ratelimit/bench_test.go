package ratelimit

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPacedCall is the budget's cost per call far from the limit,
// with the host's state file as the shared store: what the proxy adds.
func BenchmarkPacedCall(b *testing.B) {
	st := &File{Path: filepath.Join(b.TempDir(), "p.json")}
	bg := &Budget{Dialect: tdxLike, Store: st}
	ctx := context.Background()
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "1000000")
	h.Set("X-RateLimit-Remaining", "999999")
	h.Set("X-RateLimit-Reset", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		key := bg.Dialect.Key("GET", "/api/tickets/42")
		bg.Take(ctx, key)
		bg.Observe(ctx, key, 200, h, 0)
	}
}
