package authproxy

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/transport"
)

// virtual is a clock whose Sleep moves it; block makes Sleep wait for ctx.
type virtual struct {
	mu     sync.Mutex
	t      time.Time
	slept  []time.Duration
	block  bool
	asleep chan struct{}
}

func (v *virtual) now() time.Time { v.mu.Lock(); defer v.mu.Unlock(); return v.t }
func (v *virtual) sleep(ctx context.Context, d time.Duration) error {
	v.mu.Lock()
	block := v.block
	v.slept = append(v.slept, d)
	if !block {
		v.t = v.t.Add(d)
	}
	v.mu.Unlock()
	if block {
		close(v.asleep)
		<-ctx.Done()
	}
	return ctx.Err()
}

func virtualHTTP(t *testing.T, v *virtual) func(*Options) {
	return func(o *Options) {
		hc, err := transport.New(transport.Options{Timeout: 5 * time.Second, Now: v.now, Sleep: v.sleep})
		if err != nil {
			t.Fatal(err)
		}
		o.HTTP = hc
	}
}

// A POST refused with 429 was not processed: it is sent again once, with
// the same body, after the reset plus the margin; no login is made.
func TestRateLimitReplaysPOST(t *testing.T) {
	t.Parallel()
	clock := &virtual{t: time.Date(2026, 3, 28, 16, 8, 0, 0, time.UTC)}
	var calls atomic.Int64
	var bodies sync.Map
	var v *vendor
	v = newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		bodies.Store(n, *v.body.Load())
		if n == 1 {
			w.Header().Set("X-RateLimit-Limit", "60")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", clock.now().Add(14*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		tdxOK(w, r)
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	var waits bytes.Buffer
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) { virtualHTTP(t, clock)(o); o.Waits = &waits })
	resp := do(t, "POST", srv.URL+"/TDWebApi/api/31/tickets", px.Token(), strings.NewReader(`{"Title":"x"}`), nil)
	if resp.StatusCode != 200 || calls.Load() != 2 || fs.renewals.Load() != 0 {
		t.Fatalf("HTTP %d after %d calls, %d renewals", resp.StatusCode, calls.Load(), fs.renewals.Load())
	}
	b1, _ := bodies.Load(int64(1))
	b2, _ := bodies.Load(int64(2))
	if string(b1.([]byte)) != `{"Title":"x"}` || string(b2.([]byte)) != `{"Title":"x"}` {
		t.Fatalf("bodies %q %q", b1, b2)
	}
	if len(clock.slept) != 1 || clock.slept[0] != 19*time.Second {
		t.Fatalf("slept %v, want [19s]", clock.slept)
	}
	if !strings.Contains(waits.String(), "waiting 19 s for TeamDynamix's rate limit on POST /api/31/tickets (resets ") {
		t.Fatalf("said %q", waits.String())
	}
}

// Ctrl-C (or SIGTERM, which cancels the command's ctx) during a wait ends
// it at once with exit 130.
func TestRateLimitWaitInterrupted(t *testing.T) {
	t.Parallel()
	clock := &virtual{t: time.Now(), block: true, asleep: make(chan struct{})}
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, _ := newProxy(t, "tdx", v.srv.URL, fs, virtualHTTP(t, clock))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-clock.asleep; cancel() }()
	u, _ := url.Parse(v.srv.URL + "/TDWebApi/api/accounts")
	_, _, err := px.Forward(ctx, "GET", u, nil, nil, 0)
	if clierr.Code(err) != clierr.Interrupted {
		t.Fatalf("exit %d: %v", clierr.Code(err), err)
	}
}

// A reset later than sesame waits: exit 5 naming the reset; the proxy
// answers 503 with Retry-After and says why.
func TestRateLimitPastTheBound(t *testing.T) {
	t.Parallel()
	clock := &virtual{t: time.Date(2026, 3, 28, 16, 8, 0, 0, time.UTC)}
	var calls atomic.Int64
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-RateLimit-Reset", clock.now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, virtualHTTP(t, clock))
	u, _ := url.Parse(v.srv.URL + "/TDWebApi/api/accounts")
	_, _, err := px.Forward(context.Background(), "GET", u, nil, nil, 0)
	var rl *RateLimited
	if clierr.Code(err) != clierr.Network || !errors.As(err, &rl) || !strings.Contains(err.Error(), "lasts until ") {
		t.Fatalf("exit %d: %v", clierr.Code(err), err)
	}
	resp := do(t, "GET", srv.URL+"/TDWebApi/api/accounts", px.Token(), nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get(RefusedHeader) == "" {
		t.Fatalf("HTTP %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if len(clock.slept) != 0 || calls.Load() != 1 {
		t.Fatalf("slept %v, %d calls: the second request should be held by the budget, not sent", clock.slept, calls.Load())
	}
}

// A vendor that answers "Retry-After: 0" again and again is not hammered:
// after the first, the waits back off, and the request ends within the
// bound with exit 5.
func TestRateLimitRetryAfterZeroBacksOff(t *testing.T) {
	t.Parallel()
	clock := &virtual{t: time.Date(2026, 3, 28, 16, 8, 0, 0, time.UTC)}
	var calls atomic.Int64
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, _ := newProxy(t, "ym", v.srv.URL, fs, virtualHTTP(t, clock))
	u, _ := url.Parse(v.srv.URL + "/Ams/1/MemberProfile")
	_, _, err := px.Forward(context.Background(), "GET", u, nil, nil, 0)
	if clierr.Code(err) != clierr.Network || calls.Load() > 20 {
		t.Fatalf("exit %d after %d calls: %v", clierr.Code(err), calls.Load(), err)
	}
	if clock.slept[0] != 0 || clock.slept[1] != 500*time.Millisecond {
		t.Fatalf("waits %v", clock.slept[:2])
	}
}
