package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		code int
	}{
		{"https://org.teamdynamix.com", 0},
		{"http://127.0.0.1:8080", 0},
		{"http://127.5.6.7", 0},
		{"http://localhost:1", 0},
		{"http://[::1]:1", 0},
		{"http://tdx.example.edu", clierr.Usage},
		{"http://10.0.0.1", clierr.Usage},
		{"ftp://x", clierr.Usage},
		{"no-scheme", clierr.Usage},
		{"https://", clierr.Usage},
	} {
		_, err := CheckURL(tt.in)
		if clierr.Code(err) != tt.code {
			t.Errorf("CheckURL(%q) = %v, want exit %d", tt.in, err, tt.code)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	if d := backoff(0, "2"); d != 2*time.Second {
		t.Errorf("Retry-After 2 = %v", d)
	}
	if d := backoff(1, ""); d != time.Second {
		t.Errorf("attempt 1 = %v", d)
	}
	if d := backoff(0, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)); d != 0 {
		t.Errorf("past date = %v", d)
	}
}

func TestRetriesAndLimits(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if hits.Add(1) < 3 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte("ok"))
		case "/big":
			w.Write(make([]byte, MaxBody+1))
		case "/slow":
			// Never answers while the test runs: only the client's
			// timeout can end the request, however loaded the machine.
			<-hang
		case "/far":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) })
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}
	// A generous timeout for the answers that come (a 1 MiB body on a
	// loaded machine), a short one for the answer that never does.
	c, err := New(Options{Timeout: time.Minute, Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	short, err := New(Options{Timeout: 100 * time.Millisecond, Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/flaky", Retry: true})
	if err != nil || string(resp.Body) != "ok" || len(slept) != 2 || slept[0] != time.Second {
		t.Fatalf("flaky: %v %v %v", resp, err, slept)
	}
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/big"}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big: %v", err)
	}
	if _, err := short.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/slow"}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("slow: %v", err)
	}
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/far", Retry: true}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "asks to wait") {
		t.Fatalf("far: %v", err)
	}
}

// TeamDynamix's rate-limit answer (its "Rate Limiting" page): 429 with
// X-RateLimit-Limit/Remaining and X-RateLimit-Reset as an RFC 1123 date. The
// client waits until the reset plus 5 s, by the injected clock, and the
// waits are bounded.
func TestRateLimitResetWaits(t *testing.T) {
	t.Parallel()
	clock := time.Date(2018, 3, 28, 16, 8, 0, 0, time.UTC)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/limited":
			if hits.Add(1) < 3 {
				w.Header().Set("X-RateLimit-Limit", "60")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:08:14 GMT")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte("ok"))
		case "/both":
			// Retry-After later than the reset: the later one wins.
			w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:08:01 GMT")
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/far":
			w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:18:00 GMT")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/forever":
			w.Header().Set("X-RateLimit-Reset", "Wed, 28 Mar 2018 16:08:10 GMT")
			w.WriteHeader(http.StatusTooManyRequests)
		}
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
	ctx := context.Background()
	resp, err := c.Do(ctx, &Request{Method: "POST", URL: srv.URL + "/limited", Retry: true})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("limited: %v %v", resp, err)
	}
	// First wait: 14 s to the reset + 5 s. Second: the reset has passed by
	// the clock, so the 5 s margin alone.
	if len(slept) != 2 || slept[0] != 19*time.Second || slept[1] != 5*time.Second {
		t.Fatalf("limited waits = %v, want [19s 5s]", slept)
	}

	slept = nil
	clock = time.Date(2018, 3, 28, 16, 8, 0, 0, time.UTC)
	resp, err = c.Do(ctx, &Request{Method: "POST", URL: srv.URL + "/both", Retry: true})
	if err != nil || resp.Status != http.StatusTooManyRequests || len(slept) != 3 || slept[0] != 20*time.Second {
		t.Fatalf("both: %v %v %v", resp, err, slept)
	}

	slept = nil
	clock = time.Date(2018, 3, 28, 16, 8, 0, 0, time.UTC)
	if _, err := c.Do(ctx, &Request{Method: "POST", URL: srv.URL + "/far", Retry: true}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "asks to wait 10m5s") || len(slept) != 0 {
		t.Fatalf("far: %v %v", err, slept)
	}

	// A server that stays limited: three waits (four requests), then the
	// 429 is handed back; the total wait is bounded by 3 × MaxWait.
	slept = nil
	clock = time.Date(2018, 3, 28, 16, 8, 0, 0, time.UTC)
	resp, err = c.Do(ctx, &Request{Method: "POST", URL: srv.URL + "/forever", Retry: true})
	if err != nil || resp.Status != http.StatusTooManyRequests || len(slept) != 3 {
		t.Fatalf("forever: %v %v %v", resp, err, slept)
	}
}

// A provider's own data call (not marked Retry) that meets a 429 is waited
// out and sent again, with its body; a plain 500 is not retried.
func TestDataCall429Waited(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var bodies [2]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		b := make([]byte, 64)
		k, _ := r.Body.Read(b)
		if n <= 2 {
			bodies[n-1] = string(b[:k])
		}
		switch {
		case r.URL.Path == "/500":
			w.WriteHeader(500)
		case n == 1:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var slept []time.Duration
	c, _ := New(Options{Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	resp, err := c.Do(context.Background(), &Request{Method: "POST", URL: srv.URL + "/data", Body: []byte("payload")})
	if err != nil || resp.Status != 200 || len(slept) != 1 || slept[0] != 2*time.Second || bodies[1] != "payload" {
		t.Fatalf("%v %v slept %v bodies %q", err, resp, slept, bodies)
	}
	hits.Store(10)
	resp, err = c.Do(context.Background(), &Request{Method: "GET", URL: srv.URL + "/500"})
	if err != nil || resp.Status != 500 || hits.Load() != 11 {
		t.Fatalf("%v %v hits %d", err, resp, hits.Load())
	}
}

// Ctrl-C during a wait is exit 130, not a network error.
func TestWaitInterrupted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := New(Options{Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }})
	_, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL})
	if clierr.Code(err) != clierr.Interrupted {
		t.Fatalf("exit %d: %v", clierr.Code(err), err)
	}
}
