package fleet_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

const origin = "https://acme.teamdynamix.example"

func newKey(t testing.TB) []byte {
	k := make([]byte, fleet.KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func open(t testing.TB, o fleet.Options) *fleet.Store {
	t.Helper()
	s, err := fleet.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A session's data in these tests is "TOKEN|EXPIRY-UNIX-MS".
func sess(token string, exp time.Time) []byte {
	return []byte(token + "|" + strconv.FormatInt(exp.UnixMilli(), 10))
}

func fresh(data []byte) bool {
	_, ms, ok := strings.Cut(string(data), "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	return ok && err == nil && time.UnixMilli(n).After(time.Now())
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	for _, in := range []string{base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k) + "\n"} {
		got, err := fleet.ParseKey(in)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q) = %x, %v", in, got, err)
		}
	}
	short := base64.StdEncoding.EncodeToString(k[:16])
	for _, in := range []string{"", short, "not base64 at all!!"} {
		_, err := fleet.ParseKey(in)
		if clierr.Code(err) != clierr.Store {
			t.Errorf("ParseKey(%q): code %d, want 6 (%v)", in, clierr.Code(err), err)
		}
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("ParseKey error quotes the value: %v", err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	for _, tc := range []struct{ url, want string }{
		{"redis://user:hunter2@127.0.0.1:6379", "SESAME_REDIS_PASSWORD"},
		{"http://127.0.0.1:6379", "want redis://"},
		{"redis://", "want redis://"},
	} {
		_, err := fleet.Open(fleet.Options{URL: tc.url, Key: k})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) = %v, want an error with %q and no password", tc.url, err, tc.want)
		}
	}
	if _, err := fleet.Open(fleet.Options{URL: "redis://127.0.0.1:1", Key: k[:5]}); clierr.Code(err) != clierr.Store {
		t.Errorf("short key: %v", err)
	}
}

func TestSessionAndSecretRoundTrip(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t), Holder: "host-a/1"})
	if _, err := s.Session(ctx, "p", origin); !errors.Is(err, fleet.ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	if err := s.PutSession(ctx, "p", origin, 3, []byte("tok"), time.Minute); err != nil {
		t.Fatal(err)
	}
	it, err := s.Session(ctx, "p", origin)
	if err != nil || string(it.Data) != "tok" || it.Fence != 3 || it.By != "host-a/1" || it.At.IsZero() {
		t.Fatalf("Session = %+v, %v", it, err)
	}
	if err := s.PutSecret(ctx, "p", origin, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	if sec, err := s.Secret(ctx, "p", origin); err != nil || string(sec) != "pw" {
		t.Fatalf("Secret = %q, %v", sec, err)
	}

	// Nothing readable at rest, and an item does not open under another
	// profile or origin (associated data).
	admin := srv.Admin()
	defer admin.Close()
	raw, _ := admin.HGet(ctx, "sesame:session:p", "data").Result()
	if strings.Contains(raw, "tok") {
		t.Error("the session is stored in plain text")
	}
	if err := admin.Copy(ctx, "sesame:session:p", "sesame:session:q", 0, false).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "q", origin); !errors.Is(err, fleet.ErrWrongKey) {
		t.Errorf("a session copied to another profile opened: %v", err)
	}
	if _, err := s.Session(ctx, "p", "https://evil.example"); !errors.Is(err, fleet.ErrWrongKey) {
		t.Errorf("a session opened for another origin: %v", err)
	}
}

func TestWrongFleetKeyChangesNothing(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	good := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t)})
	bad := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t)})
	if err := good.PutSession(ctx, "p", origin, 1, sess("old", time.Now().Add(-time.Minute)), 0); err != nil {
		t.Fatal(err)
	}
	_, err := bad.Session(ctx, "p", origin)
	if !errors.Is(err, fleet.ErrWrongKey) || clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "SESAME_FLEET_KEY") {
		t.Fatalf("wrong key read: %v (code %d)", err, clierr.Code(err))
	}
	logins := 0
	_, err = bad.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh,
		Login: func(context.Context, *fleet.Lock) ([]byte, time.Duration, error) {
			logins++
			return sess("new", time.Now().Add(time.Hour)), 0, nil
		}})
	if !errors.Is(err, fleet.ErrWrongKey) || logins != 0 {
		t.Fatalf("Renew with a wrong key: %v, %d logins", err, logins)
	}
	if err := bad.CheckKey(ctx, "p", origin); !errors.Is(err, fleet.ErrWrongKey) {
		t.Errorf("CheckKey: %v", err)
	}
	it, err := good.Session(ctx, "p", origin)
	if err != nil || !strings.HasPrefix(string(it.Data), "old|") || it.Fence != 1 {
		t.Fatalf("the stored session changed: %+v, %v", it, err)
	}
	if st, _ := good.LockState(ctx, "p"); st.Held {
		t.Error("a wrong-key renewal left the lock held")
	}
}

// Many goroutines, each with its own connection pool (as separate
// processes would have), renew one expired session: one login.
func TestRenewOneLoginManyGoroutines(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	seed := open(t, fleet.Options{URL: srv.URL(), Key: key})
	if err := seed.PutSession(ctx, "p", origin, 0, sess("expired", time.Now().Add(-time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	var logins atomic.Int32
	const n = 32
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		s := open(t, fleet.Options{URL: srv.URL(), Key: key})
		wg.Go(func() {
			it, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Poll: 10 * time.Millisecond,
				Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
					fence := l.Fence
					logins.Add(1)
					return sess(fmt.Sprintf("tok-%d", fence), time.Now().Add(time.Hour)), time.Hour, nil
				}})
			errs[i] = err
			if it != nil {
				got[i] = string(it.Data)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("renewer %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("renewer %d got another session", i)
		}
	}
	if logins.Load() != 1 {
		t.Fatalf("%d logins, want 1", logins.Load())
	}
}

// The holder of the lock dies (it took the lock and never comes back): the
// next renewer takes over once the lease has run out, and the dead holder's
// late write, with its older fence, is refused.
func TestLockHolderDiesThenLateWriteRefused(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	stale := open(t, fleet.Options{URL: srv.URL(), Key: key, Holder: "dead"})
	next := open(t, fleet.Options{URL: srv.URL(), Key: key, Holder: "next"})

	dead, err := stale.TryLock(ctx, "p", 300*time.Millisecond)
	if err != nil || dead == nil {
		t.Fatalf("TryLock: %v, %v", dead, err)
	}
	if again, err := next.TryLock(ctx, "p", time.Minute); again != nil || err != nil {
		t.Fatalf("a held lock was taken again: %v, %v", again, err)
	}
	it, err := next.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Poll: 20 * time.Millisecond,
		Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			return sess("new", time.Now().Add(time.Hour)), 0, nil
		}})
	if err != nil || it.Fence <= dead.Fence || it.By != "next" {
		t.Fatalf("take-over: %+v, %v (dead fence %d)", it, err, dead.Fence)
	}
	err = stale.PutSession(ctx, "p", origin, dead.Fence, sess("stale", time.Now().Add(time.Hour)), 0)
	if !errors.Is(err, fleet.ErrStaleFence) {
		t.Fatalf("late write with fence %d: %v, want ErrStaleFence", dead.Fence, err)
	}
	cur, err := next.Session(ctx, "p", origin)
	if err != nil || !strings.HasPrefix(string(cur.Data), "new|") {
		t.Fatalf("after the late write: %+v, %v", cur, err)
	}

	// The dead holder's release must not free a lock someone else holds.
	held, err := next.TryLock(ctx, "p", time.Minute)
	if err != nil || held == nil {
		t.Fatalf("TryLock after take-over: %v, %v", held, err)
	}
	if err := dead.Release(); err != nil {
		t.Fatal(err)
	}
	if st, _ := next.LockState(ctx, "p"); !st.Held {
		t.Fatal("a stale release freed the current holder's lock")
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	if st, _ := next.LockState(ctx, "p"); st.Held {
		t.Fatal("Release left the lock held")
	}
}

// Redis goes away mid-run: every call returns an exit-6 error naming the
// store within its timeout (a renewal: after retrying within its wait);
// after a restart the same Store works again.
func TestRedisDownThenBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	const timeout = 300 * time.Millisecond
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t), Timeout: timeout})
	if err := s.PutSession(ctx, "p", origin, 1, sess("a", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	calls := map[string]func() error{
		"session": func() error { _, err := s.Session(ctx, "p", origin); return err },
		"put":     func() error { return s.PutSession(ctx, "p", origin, 2, []byte("x"), 0) },
		"lock":    func() error { _, err := s.TryLock(ctx, "p", time.Second); return err },
		"ping":    func() error { return s.Ping(ctx) },
		"renew": func() error {
			// Retried within its wait, then exit 6.
			_, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Wait: 3 * timeout,
				Login: func(context.Context, *fleet.Lock) ([]byte, time.Duration, error) {
					t.Error("logged in with the store down")
					return nil, 0, errors.New("no")
				}})
			return err
		},
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		// Generous bound: the point is "returns", not how fast.
		if took := time.Since(start); took > 20*timeout {
			t.Errorf("%s took %s with Redis down", name, took)
		}
		if clierr.Code(err) != clierr.Store || !errors.Is(err, fleet.ErrUnavailable) || !strings.Contains(err.Error(), srv.Addr()) {
			t.Errorf("%s with Redis down: %v (code %d), want exit 6 naming the store", name, err, clierr.Code(err))
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Nothing persisted (--save ''): the store is empty but usable again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Session(ctx, "p", origin)
		if errors.Is(err, fleet.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %v", err)
		}
	}
	if err := s.PutSession(ctx, "p", origin, 1, []byte("b"), 0); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
}

// A slow Redis (here: one that accepted the connection but never answers)
// also ends in a timeout, not a hang.
func TestRedisNotAnswering(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	admin := srv.Admin()
	defer admin.Close()
	ctx := ctxT(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t), Timeout: 300 * time.Millisecond})
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// CLIENT PAUSE holds every client's commands for the given time; the
	// server is killed at cleanup, so nobody waits for the pause to end.
	if err := admin.ClientPause(ctx, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Session(ctx, "p", origin)
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("paused Redis: %v", err)
	}
}

func TestConsumerWaitsForRenewer(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	key := newKey(t)
	consumer := open(t, fleet.Options{URL: srv.URL(), Key: key})
	renewer := open(t, fleet.Options{URL: srv.URL(), Key: key})

	// Nobody renews: exit 4 when the caller's time is up.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := consumer.WaitFresh(ctx, "p", origin, fresh, 0, 20*time.Millisecond)
	if clierr.Code(err) != clierr.NoSession || !strings.Contains(err.Error(), "renewer") {
		t.Fatalf("no renewer: %v (code %d), want exit 4", err, clierr.Code(err))
	}

	// A renewer writes while the consumer waits.
	ctx = ctxT(t)
	done := make(chan error, 1)
	go func() {
		it, err := consumer.WaitFresh(ctx, "p", origin, fresh, 0, 10*time.Millisecond)
		if err == nil && !strings.HasPrefix(string(it.Data), "r|") {
			err = fmt.Errorf("got %q", it.Data)
		}
		done <- err
	}()
	if err := renewer.PutSession(ctx, "p", origin, 1, sess("r", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitSharedAcrossHosts(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	clk := &fakeClock{now: time.Now()}
	hostA := open(t, fleet.Options{URL: srv.URL(), Key: key, Clock: clk})
	hostB := open(t, fleet.Options{URL: srv.URL(), Key: key, Clock: clk})
	if r, err := hostB.RateLimit(ctx, origin); err != nil || !r.IsZero() {
		t.Fatalf("no 429 seen yet: %v, %v", r, err)
	}
	reset := clk.now.Add(40 * time.Second).Truncate(time.Millisecond)
	if err := hostA.SetRateLimit(ctx, origin, reset); err != nil {
		t.Fatal(err)
	}
	// An earlier reset from a late writer does not shorten the wait.
	if err := hostB.SetRateLimit(ctx, origin, reset.Add(-30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if r, err := hostB.RateLimit(ctx, origin); err != nil || !r.Equal(reset) {
		t.Fatalf("host B sees reset %v, %v; want %v", r, err, reset)
	}
	waited, err := hostB.WaitRateLimit(ctx, origin)
	if err != nil || waited != reset.Sub(clk.now) || clk.slept != waited {
		t.Fatalf("WaitRateLimit = %s, %v (slept %s), want %s", waited, err, clk.slept, reset.Sub(clk.now))
	}
	if r, _ := hostB.RateLimit(ctx, "https://other.example"); !r.IsZero() {
		t.Error("a 429 of one origin held up another")
	}
}

type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept += d
	return ctx.Err()
}

// The re-exec trick: the test binary, run with FLEET_CHILD set, is one
// renewing process of the multi-process test.
func TestMain(m *testing.M) {
	if os.Getenv("FLEET_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	key, err := fleet.ParseKey(os.Getenv("FLEET_KEY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := fleet.Open(fleet.Options{URL: os.Getenv("FLEET_URL"), Key: key})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hang := os.Getenv("FLEET_CHILD") == "hang"
	it, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Poll: 20 * time.Millisecond, Lease: time.Second,
		Login: func(ctx context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			fence := l.Fence
			// The "vendor" counts its logins in a file of its own.
			f, err := os.OpenFile(os.Getenv("FLEET_LOGINS"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
			if err != nil {
				return nil, 0, err
			}
			fmt.Fprintf(f, "login %d\n", os.Getpid())
			f.Close()
			if hang {
				// In the middle of a login, holding the lock: the parent
				// kills this process here.
				os.WriteFile(os.Getenv("FLEET_READY"), nil, 0o600)
				<-ctx.Done()
			}
			return sess(fmt.Sprintf("tok-%d", fence), time.Now().Add(time.Hour)), 0, nil
		}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(strings.SplitN(string(it.Data), "|", 2)[0])
	return 0
}

func TestRenewOneLoginManyProcesses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	seed := open(t, fleet.Options{URL: srv.URL(), Key: key})
	if err := seed.PutSession(ctx, "p", origin, 0, sess("expired", time.Now().Add(-time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	logins := t.TempDir() + "/logins"
	const n = 16
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range n {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "FLEET_CHILD=1", "FLEET_URL="+srv.URL(),
			"FLEET_KEY="+base64.StdEncoding.EncodeToString(key), "FLEET_LOGINS="+logins)
		outs[i] = &bytes.Buffer{}
		cmd.Stdout = outs[i]
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		if outs[i].String() != outs[0].String() || outs[i].Len() == 0 {
			t.Fatalf("process %d printed %q, process 0 %q", i, outs[i], outs[0])
		}
	}
	data, _ := os.ReadFile(logins)
	if got := strings.Count(string(data), "login "); got != 1 {
		t.Fatalf("%d vendor logins across %d processes, want 1:\n%s", got, n, data)
	}
}

// rediss:// verifies the server against the system roots plus the CA file.
func TestTLSWithCAFile(t *testing.T) {
	t.Parallel()
	srv := redistest.StartTLS(t)
	ctx := ctxT(t)
	key := newKey(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: key, CAFile: srv.CAFile})
	if err := s.PutSession(ctx, "p", origin, 1, []byte("tls"), 0); err != nil {
		t.Fatalf("rediss with the CA file: %v", err)
	}
	untrusted := open(t, fleet.Options{URL: srv.URL(), Key: key, Timeout: time.Second})
	err := untrusted.Ping(ctx)
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("rediss without the CA: %v, want a certificate error", err)
	}
}

// A login slower than the lease keeps the lock: the holder extends it
// while it logs in, so nobody takes over a live renewal.
func TestSlowLoginKeepsTheLock(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: key})
	other := open(t, fleet.Options{URL: srv.URL(), Key: key})
	const lease = time.Second
	_, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Lease: lease,
		Login: func(ctx context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			start := time.Now()
			for time.Since(start) < 2*lease {
				if l, err := other.TryLock(ctx, "p", time.Minute); err != nil || l != nil {
					return nil, 0, fmt.Errorf("the lock was free %s into a login (lease %s): %v", time.Since(start), lease, err)
				}
				time.Sleep(50 * time.Millisecond) // polling, not synchronising
			}
			return sess("slow", time.Now().Add(time.Hour)), 0, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := other.LockState(ctx, "p"); st.Held {
		t.Fatal("the lock outlived the renewal")
	}
}

// A renewer killed with SIGKILL in the middle of a login, lock held: the
// others wait for its lease, one takes over, at most two logins in all,
// nobody fails, and the stored session is the one under the newer fence.
func TestLockHolderKilledMidLogin(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	seed := open(t, fleet.Options{URL: srv.URL(), Key: key})
	if err := seed.PutSession(ctx, "p", origin, 0, sess("expired", time.Now().Add(-time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logins, ready := dir+"/logins", dir+"/ready"
	child := func(mode string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "FLEET_CHILD="+mode, "FLEET_URL="+srv.URL(),
			"FLEET_KEY="+base64.StdEncoding.EncodeToString(key), "FLEET_LOGINS="+logins, "FLEET_READY="+ready)
		cmd.Stderr = os.Stderr
		return cmd
	}
	holder := child("hang")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder never started its login")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := seed.LockState(ctx, "p"); !st.Held {
		t.Fatal("the holder does not hold the lock")
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()

	const n = 8
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range n {
		cmds[i], outs[i] = child("1"), &bytes.Buffer{}
		cmds[i].Stdout = outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		if outs[i].Len() == 0 || outs[i].String() != outs[0].String() {
			t.Fatalf("process %d printed %q, process 0 %q", i, outs[i], outs[0])
		}
	}
	data, _ := os.ReadFile(logins)
	if got := strings.Count(string(data), "login "); got != 2 {
		t.Fatalf("%d logins (the killed one and one take-over), want 2:\n%s", got, data)
	}
	it, err := seed.Session(ctx, "p", origin)
	if err != nil || it.Fence != 2 || strings.TrimSpace(outs[0].String()) != "tok-2" {
		t.Fatalf("stored %+v, %v; processes printed %q", it, err, outs[0])
	}
}
