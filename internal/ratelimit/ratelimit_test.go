package ratelimit

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 28, 16, 8, 0, 0, time.UTC)

var tdxLike = &Dialect{
	Vendor: "Vendor", LimitHeader: "X-RateLimit-Limit", RemainingHeader: "X-RateLimit-Remaining",
	ResetHeader: "X-RateLimit-Reset", Margin: 5 * time.Second, Method: IDPath,
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestRetryWait(t *testing.T) {
	t.Parallel()
	reset := t0.Add(14 * time.Second).Format(http.TimeFormat)
	for _, c := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"reset plus margin", hdr("X-RateLimit-Reset", reset), 19 * time.Second},
		{"retry-after seconds", hdr("Retry-After", "2"), 2 * time.Second},
		{"retry-after date", hdr("Retry-After", t0.Add(30*time.Second).Format(http.TimeFormat)), 30 * time.Second},
		{"later of the two: retry-after", hdr("X-RateLimit-Reset", reset, "Retry-After", "41"), 41 * time.Second},
		{"later of the two: reset", hdr("X-RateLimit-Reset", reset, "Retry-After", "3"), 19 * time.Second},
		{"reset past: the margin", hdr("X-RateLimit-Reset", t0.Add(-time.Minute).Format(http.TimeFormat)), 5 * time.Second},
		{"nothing said: backoff", hdr(), 500 * time.Millisecond},
	} {
		got, _, _ := tdxLike.RetryWait(0, c.h, t0)
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestIDPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/api/people/2d5e8d1a-0000-4000-8000-00000000a11c": "GET /api/people/{id}",
		"api/31/Tickets/4711":                              "GET /api/{id}/tickets/{id}",
		"/api/auth/getuser":                                "GET /api/auth/getuser",
	} {
		if got := IDPath("get", in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	var none *Dialect
	if none.Key("GET", "/x/1") != "*" {
		t.Error("a dialect without Method keeps one budget")
	}
}

func TestSlow(t *testing.T) {
	t.Parallel()
	var d *Dialect
	if !d.Slow(429, hdr()) || !d.Slow(503, hdr("Retry-After", "1")) || d.Slow(503, hdr()) || d.Slow(200, hdr()) {
		t.Error("429, and 503 with Retry-After, mean slow down; nothing else")
	}
}

// clock is a virtual clock: Sleep moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// vendor is a fixed-window server of limit calls per window.
type vendor struct {
	limit   int
	window  time.Duration
	end     time.Time
	calls   int
	refused int
}

func (v *vendor) call(now time.Time) (int, http.Header) {
	if !now.Before(v.end) {
		v.end, v.calls = now.Add(v.window).Truncate(time.Second).Add(time.Second), 0
	}
	v.calls++
	h := hdr("X-RateLimit-Limit", "3", "X-RateLimit-Reset", v.end.Format(http.TimeFormat))
	rem := max(v.limit-v.calls, 0)
	h.Set("X-RateLimit-Remaining", itoa(rem))
	if v.calls > v.limit {
		v.refused++
		return 429, h
	}
	return 200, h
}

func itoa(n int) string { return string(rune('0' + n)) }

// A budget learns from the first answer and holds what would exceed it:
// nine calls of one method at 3 per window meet no 429.
func TestBudgetPaces(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	v := &vendor{limit: 3, window: 3 * time.Second}
	b := &Budget{Dialect: tdxLike, Now: c.now}
	ctx := context.Background()
	key := tdxLike.Key("GET", "/api/tickets/1")
	for i := 0; i < 9; i++ {
		for {
			wait, _ := b.Take(ctx, key)
			if wait == 0 {
				break
			}
			c.add(wait)
		}
		st, h := v.call(c.now())
		if _, _, _, slow := b.Observe(ctx, key, st, h, 0); slow {
			t.Fatalf("call %d refused", i)
		}
	}
	if v.refused != 0 {
		t.Fatalf("%d refused", v.refused)
	}
}

// While nothing is known, the first call goes alone; the others wait for
// what its answer says.
func TestBudgetProbesFirst(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	b := &Budget{Dialect: tdxLike, Now: c.now}
	ctx := context.Background()
	if w, _ := b.Take(ctx, "k"); w != 0 {
		t.Fatal("first call held")
	}
	if w, _ := b.Take(ctx, "k"); w == 0 {
		t.Fatal("second call went before the first answer")
	}
	b.Observe(ctx, "k", 200, hdr("X-RateLimit-Limit", "3", "X-RateLimit-Remaining", "2", "X-RateLimit-Reset", t0.Add(3*time.Second).Format(http.TimeFormat)), 0)
	for i := 0; i < 2; i++ {
		if w, _ := b.Take(ctx, "k"); w != 0 {
			t.Fatalf("call %d held with budget left", i)
		}
	}
	w, until := b.Take(ctx, "k")
	if w != 8*time.Second || !until.Equal(t0.Add(8*time.Second)) {
		t.Fatalf("held %s until %s, want 8s (reset + 5 s margin)", w, until)
	}
}

// A 429 blocks the method until its reset plus margin, or Retry-After.
func TestBudgetBlocksAfter429(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	b := &Budget{Dialect: &Dialect{}, Now: c.now}
	ctx := context.Background()
	wait, _, _, slow := b.Observe(ctx, "*", 429, hdr("Retry-After", "2"), 0)
	if !slow || wait != 2*time.Second {
		t.Fatalf("slow %v wait %s", slow, wait)
	}
	if w, _ := b.Take(ctx, "*"); w != 2*time.Second {
		t.Fatalf("held %s, want 2s", w)
	}
	c.add(2 * time.Second)
	if w, _ := b.Take(ctx, "*"); w != 0 {
		t.Fatalf("held %s after the wait", w)
	}
}

// Two File stores on one path (two processes) never lose an update.
func TestFileSharedUpdates(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ratelimit", "p.json")
	a, b := &File{Path: path}, &File{Path: path}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		st := a
		if i%2 == 1 {
			st = b
		}
		go func() {
			defer wg.Done()
			if err := st.Update(context.Background(), "k", func(s *State) { s.Limit++; s.Seen = time.Now() }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	all, err := a.All(context.Background())
	if err != nil || all["k"].Limit != 40 {
		t.Fatalf("%v %+v", err, all)
	}
}

// countingStore counts the updates that reach the shared store.
type countingStore struct {
	Memory
	n  int
	mu sync.Mutex
}

func (c *countingStore) Update(ctx context.Context, key string, f func(s *State)) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Memory.Update(ctx, key, f)
}

// Far from the limit a call costs no store round trip; two budgets (two
// processes) sharing one store near the limit never overspend it.
func TestBudgetFastPathAndSharing(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	st := &countingStore{}
	a := &Budget{Dialect: tdxLike, Store: st, Now: c.now}
	ctx := context.Background()
	reset := t0.Add(60 * time.Second).Format(http.TimeFormat)
	a.Take(ctx, "k")
	a.Observe(ctx, "k", 200, hdr("X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "59", "X-RateLimit-Reset", reset), 0)
	before := st.n
	for i := 0; i < 10; i++ {
		if w, _ := a.Take(ctx, "k"); w != 0 {
			t.Fatal("held with plenty left")
		}
	}
	if st.n != before {
		t.Fatalf("%d store updates for calls far from the limit", st.n-before)
	}
	// Near the limit, both go through the store: 3 left, 3 calls between them.
	b := &Budget{Dialect: tdxLike, Store: st, Now: c.now}
	a.Observe(ctx, "k", 200, hdr("X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", reset), 0)
	sent := 0
	for i := 0; i < 4; i++ {
		for _, bg := range []*Budget{a, b} {
			if w, _ := bg.Take(ctx, "k"); w == 0 {
				sent++
			}
		}
	}
	if sent != 3 {
		t.Fatalf("%d calls sent with 3 left", sent)
	}
}

// failing is a shared store that does not answer (a fleet's Redis down).
type failing struct{ calls *int }

func (f failing) Update(context.Context, string, func(*State)) error {
	*f.calls++
	return context.DeadlineExceeded
}

func (failing) All(context.Context) (map[string]State, error) { return nil, context.DeadlineExceeded }

// While the shared store fails, the host's own store keeps pacing.
func TestBudgetFallback(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	local := &Memory{}
	calls := 0
	b := &Budget{Dialect: tdxLike, Store: failing{&calls}, Fallback: local, Now: c.now}
	ctx := context.Background()
	b.Observe(ctx, "k", 429, hdr("X-RateLimit-Reset", t0.Add(10*time.Second).Format(http.TimeFormat)), 0)
	all, _ := local.All(ctx)
	if !all["k"].Blocked.Equal(t0.Add(15 * time.Second)) {
		t.Fatalf("fallback holds %+v", all["k"])
	}
	if w, _ := b.Take(ctx, "k"); w != 15*time.Second {
		t.Fatalf("held %s, want 15s", w)
	}
	// One failed call, then the store is left alone for a while.
	if calls != 1 {
		t.Fatalf("%d calls to the failed store", calls)
	}
}

// A call that got no answer holds nobody back.
func TestBudgetCancel(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	b := &Budget{Dialect: tdxLike, Now: c.now}
	ctx := context.Background()
	b.Take(ctx, "k") // the probe
	b.Cancel(ctx, "k")
	if w, _ := b.Take(ctx, "k"); w != 0 {
		t.Fatalf("held %s after the first call failed", w)
	}
}

// granted takes calls of key at the clock's time until one is held, and
// says how many went.
func granted(t *testing.T, b *Budget, key string) int {
	t.Helper()
	for n := 0; ; n++ {
		if w, _ := b.Take(context.Background(), key); w > 0 {
			return n
		}
		if n > 10 {
			t.Fatal("nothing held")
		}
	}
}

func answer(rem int, reset time.Time) http.Header {
	return hdr("X-RateLimit-Limit", "3", "X-RateLimit-Remaining", itoa(rem), "X-RateLimit-Reset", reset.Format(http.TimeFormat))
}

// A slow answer to a call of the window that ran out, arriving after the
// next window began here, must not end that window again: it would hand
// out a second allowance inside one vendor window.
func TestBudgetLateAnswerOfEndedWindow(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	b := &Budget{Dialect: tdxLike, Now: c.now}
	ctx := context.Background()
	r1 := t0.Add(3 * time.Second)
	if n := granted(t, b, "k"); n != 1 {
		t.Fatalf("%d first calls", n)
	}
	b.Observe(ctx, "k", 200, answer(2, r1), 0)
	if n := granted(t, b, "k"); n != 2 {
		t.Fatalf("%d calls with 2 left", n)
	}
	b.Observe(ctx, "k", 200, answer(1, r1), 0) // one of the two; the other is slow
	c.add(8 * time.Second)                     // r1 + margin: a new window here
	n := granted(t, b, "k")                    // 3, less the slow call still out
	b.Observe(ctx, "k", 200, answer(0, r1), 0) // the slow answer, of the old window
	n += granted(t, b, "k")
	if n > 3 {
		t.Fatalf("%d calls sent in one window of 3", n)
	}
}

// A call sent and not yet answered may reach the vendor in any later
// window: it stays counted through every window turn until its answer.
func TestBudgetCountsCallsOutAcrossTurns(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	b := &Budget{Dialect: tdxLike, Now: c.now}
	ctx := context.Background()
	r1 := t0.Add(3 * time.Second)
	granted(t, b, "k")
	b.Observe(ctx, "k", 200, answer(2, r1), 0)
	if n := granted(t, b, "k"); n != 2 {
		t.Fatalf("%d calls with 2 left", n)
	}
	// Both still out. A new window: one call left for it.
	c.add(8 * time.Second)
	if n := granted(t, b, "k"); n != 1 {
		t.Fatalf("%d calls in the new window with 2 out, want 1", n)
	}
	r2 := c.now().Add(3 * time.Second)
	b.Observe(ctx, "k", 200, answer(2, r2), 0)
	// Another turn with the first two still out: one call, not three.
	c.add(8 * time.Second)
	if n := granted(t, b, "k"); n != 1 {
		t.Fatalf("%d calls in the next window with 2 out, want 1", n)
	}
}

// Calls counted on the fast path of a large budget and answered there
// leave no count of calls "still out" in the Store, which keeps that count
// across window turns.
func TestBudgetFastPathLeavesNoCallsOut(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	st := &Memory{}
	b := &Budget{Dialect: tdxLike, Store: st, Now: c.now}
	ctx := context.Background()
	end, calls := time.Time{}, 0
	for i := 0; i < 300; i++ {
		for {
			wait, _ := b.Take(ctx, "k")
			if wait == 0 {
				break
			}
			c.add(wait)
		}
		if now := c.now(); !now.Before(end) {
			end, calls = now.Add(10*time.Second).Truncate(time.Second), 0
		}
		calls++
		h := hdr("X-RateLimit-Limit", "60", "X-RateLimit-Remaining", strconv.Itoa(max(60-calls, 0)), "X-RateLimit-Reset", end.Format(http.TimeFormat))
		if _, _, _, slow := b.Observe(ctx, "k", 200, h, 0); slow {
			t.Fatalf("call %d refused", i)
		}
		c.add(100 * time.Millisecond)
	}
	all, _ := st.All(ctx)
	if out := all["k"].Out; out != 0 {
		t.Fatalf("%d calls still out in the Store after every answer", out)
	}
}
