package fleet_test

import (
	"context"
	"testing"

	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

// BenchmarkColdRead is what a `token show` without a local copy pays for
// the fleet: a new Store (new connection) and one session read.
func BenchmarkColdRead(b *testing.B) {
	srv := redistest.Start(b)
	key := newKey(b)
	ctx := context.Background()
	s := open(b, fleet.Options{URL: srv.URL(), Key: key})
	if err := s.PutSession(ctx, "p", origin, 1, []byte(`{"token":"x"}`), 0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := fleet.Open(fleet.Options{URL: srv.URL(), Key: key})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Session(ctx, "p", origin); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
