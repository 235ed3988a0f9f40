package fleet_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

func noLogin(t *testing.T) func(context.Context, *fleet.Lock) ([]byte, time.Duration, error) {
	return func(context.Context, *fleet.Lock) ([]byte, time.Duration, error) {
		t.Error("logged in")
		return nil, 0, errors.New("no login expected")
	}
}

// Someone with write access to Redis sets the stored session's fence to a
// huge number: the record no longer opens (the fence is sealed into it),
// so it is refused with exit 6: nothing served, no login, nothing written.
func TestForgedFenceRefused(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: key})
	if err := s.PutSession(ctx, "p", origin, 3, sess("good", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	admin := srv.Admin()
	defer admin.Close()
	if err := admin.HSet(ctx, "sesame:session:p", "fence", "999999").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "p", origin); clierr.Code(err) != clierr.Store || !errors.Is(err, fleet.ErrWrongKey) {
		t.Fatalf("forged fence read: %v (code %d), want exit 6", err, clierr.Code(err))
	}
	_, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Wait: time.Second, Login: noLogin(t)})
	if clierr.Code(err) != clierr.Store {
		t.Fatalf("renew over a forged fence: %v (code %d), want exit 6", err, clierr.Code(err))
	}
	if _, err := s.WaitFresh(ctx, "p", origin, fresh, 0, 0); clierr.Code(err) != clierr.Store {
		t.Fatalf("consumer over a forged fence: %v, want exit 6", err)
	}
	if f, _ := admin.HGet(ctx, "sesame:session:p", "fence").Result(); f != "999999" {
		t.Fatalf("the forged record was overwritten (fence %s)", f)
	}
}

// An old record (its own fence, a valid seal) copied back over a newer one
// is never served to a host that has seen the newer fence: a consumer
// refuses it (exit 6), a renewer renews over it with a newer fence.
func TestReplayedRecordRefused(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: key})
	admin := srv.Admin()
	defer admin.Close()
	if err := s.PutSession(ctx, "p", origin, 1, sess("old", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	old, err := admin.HGetAll(ctx, "sesame:session:p").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(ctx, "p", origin, 2, sess("new", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	if err := admin.HSet(ctx, "sesame:session:p", old).Err(); err != nil {
		t.Fatal(err)
	}
	// A host that never saw fence 2 cannot tell; one that did refuses.
	it, err := s.WaitFresh(ctx, "p", origin, fresh, 2, 0)
	if !errors.Is(err, fleet.ErrOlderFence) || it == nil || it.Fence != 1 {
		t.Fatalf("consumer: %+v, %v, want ErrOlderFence", it, err)
	}
	logins := 0
	it, err = s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Floor: 2, Wait: time.Second,
		Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			logins++
			return sess("renewed", time.Now().Add(time.Hour)), 0, nil
		}})
	if err != nil || logins != 1 || it.Fence <= 2 || !strings.HasPrefix(string(it.Data), "renewed|") {
		t.Fatalf("renewer: %+v, %v, %d logins; want a new session with a fence above 2", it, err, logins)
	}
}

// The root of a flaky TestConsumerWaitsForRenewer: a wait whose deadline
// passes between two Redis calls ended with a bare "context deadline
// exceeded" (exit 1). Every way a fleet wait ends on its deadline is exit 4.
func TestWaitDeadlineIsExit4(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t)})
	admin := srv.Admin()
	defer admin.Close()
	// Another holder renews (and never writes) for the whole test.
	if err := admin.Set(context.Background(), "sesame:lock:p", "other/1 x", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	// Over before the first call, at once, and during the wait.
	for _, d := range []time.Duration{-time.Second, 0, time.Millisecond, 50 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		_, err := s.WaitFresh(ctx, "p", origin, fresh, 0, 10*time.Millisecond)
		if clierr.Code(err) != clierr.NoSession {
			t.Errorf("WaitFresh, deadline %s: %v (code %d), want exit 4", d, err, clierr.Code(err))
		}
		_, err = s.Lock(ctx, "p", time.Second, 10*time.Millisecond)
		if clierr.Code(err) != clierr.NoSession {
			t.Errorf("Lock, deadline %s: %v (code %d), want exit 4", d, err, clierr.Code(err))
		}
		cancel()
		_, err = s.Renew(context.Background(), fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Wait: max(d, time.Millisecond), Poll: 10 * time.Millisecond, Login: noLogin(t)})
		if clierr.Code(err) != clierr.NoSession {
			t.Errorf("Renew, wait %s: %v (code %d), want exit 4", d, err, clierr.Code(err))
		}
	}
}

// Redis restarts (empty) while a consumer waits: the wait goes on through
// the outage and ends with the session a renewer writes afterwards.
func TestWaitRidesOutARestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	key := newKey(t)
	consumer := open(t, fleet.Options{URL: srv.URL(), Key: key, Timeout: time.Second})
	renewer := open(t, fleet.Options{URL: srv.URL(), Key: key})
	if err := consumer.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	done := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		it, err := consumer.WaitFresh(wctx, "p", origin, fresh, 0, 20*time.Millisecond)
		if err == nil && !strings.HasPrefix(string(it.Data), "back|") {
			err = errors.New("got " + string(it.Data))
		}
		done <- err
	}()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := renewer.PutSession(ctx, "p", origin, 1, sess("back", time.Now().Add(time.Hour)), 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("wait across a restart: %v (code %d)", err, clierr.Code(err))
	}
}

// A Redis that lost its data (the secret too) is re-seeded by the renewer:
// the secret it logged in with is written back with its session, and the
// new fence is above the highest this host had seen.
func TestRenewReseedsALostSecret(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t)})
	it, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Floor: 7, Wait: time.Second,
		Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			if _, err := l.Secret(); !errors.Is(err, fleet.ErrNotFound) {
				t.Errorf("Secret of an empty fleet: %v", err)
			}
			return sess("t", time.Now().Add(time.Hour)), 0, nil
		},
		Secret: func() []byte { return []byte("local-pw") },
	})
	if err != nil || it.Fence != 8 {
		t.Fatalf("renew: %+v, %v; want fence 8 (above the floor 7)", it, err)
	}
	got, err := s.Secret(ctx, "p", origin)
	if err != nil || string(got) != "local-pw" {
		t.Fatalf("re-seeded secret: %q, %v", got, err)
	}
	if st, _ := s.LockState(ctx, "p"); st.Held {
		t.Fatal("the commit left the lock held")
	}
}

// A renewal costs a handful of round trips, so that a 2 s link renews in
// seconds, not 24: the connection (TCP, then HELLO, which also
// authenticates), a read, the lock script (lock, fence, session, secret),
// the commit script (write, re-seed, release). keepAlive adds none to a
// login shorter than a third of the lease.
func TestRenewalRoundTrips(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	s := open(t, fleet.Options{URL: srv.URL(), Key: newKey(t)})
	calls, dials := fleet.CountRoundTrips(s)
	_, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh, Wait: time.Second,
		Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			return sess("t", time.Now().Add(time.Hour)), 0, nil
		},
		Secret: func() []byte { return []byte("pw") },
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, d := calls.Load(), dials.Load(); c != 4 || d != 1 {
		t.Fatalf("a renewal made %d calls (HELLO included) on %d connections, want 4 on 1", c, d)
	}
}
