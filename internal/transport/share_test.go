package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A fleet's shared budget: a login waits out a window another host saw
// (reset + 5 s) before its first call, and hands each 429's reset on.
// Requests that are not logins (Retry unset) neither wait nor report.
func TestRateShare(t *testing.T) {
	t.Parallel()
	clock := time.Date(2018, 3, 28, 16, 8, 0, 0, time.UTC)
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first {
			first = false
			w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:08:30 GMT")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	var slept []time.Duration
	c, err := New(Options{
		Now: func() time.Time { return clock },
		Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			clock = clock.Add(d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var seen []time.Time
	rs := &RateShare{NotBefore: clock.Add(10 * time.Second), Seen: func(r time.Time) { seen = append(seen, r) }}
	ctx := WithRateShare(context.Background(), rs)
	resp, err := c.Do(ctx, &Request{Method: "POST", URL: srv.URL, Retry: true})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("Do: %v %v", resp, err)
	}
	// 15 s for the fleet's window, then the 429's own wait (to 16:08:35).
	if len(slept) != 2 || slept[0] != 15*time.Second || slept[1] != 20*time.Second {
		t.Fatalf("waits = %v, want [15s 20s]", slept)
	}
	if want := time.Date(2018, 3, 28, 16, 8, 30, 0, time.UTC); len(seen) != 1 || !seen[0].Equal(want) {
		t.Fatalf("seen = %v, want [%v]", seen, want)
	}

	// Not a login: no wait, even inside a window.
	slept, rs.NotBefore = nil, clock.Add(time.Minute)
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL}); err != nil || len(slept) != 0 {
		t.Fatalf("plain request: %v, waits %v", err, slept)
	}
	// A window longer than MaxWait is reported, not waited on.
	rs.NotBefore = clock.Add(10 * time.Minute)
	if _, err := c.Do(ctx, &Request{Method: "POST", URL: srv.URL, Retry: true}); err == nil || len(slept) != 0 {
		t.Fatalf("far window: %v, waits %v", err, slept)
	}
}
