package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// DefaultLease is how long a renewal lock lives unless its holder releases
// or extends it: a login plus its retries, with room to spare. A holder that
// dies (SIGKILL, lost host) blocks the fleet for at most this long.
const DefaultLease = 60 * time.Second

// DefaultPoll is the mean interval at which waiters look again.
const DefaultPoll = 200 * time.Millisecond

// Lock is a held renewal lock. Fence grows with every lock taken on the
// profile, so a write under an older lock can be told apart and refused.
type Lock struct {
	s       *Store
	key     string
	token   string
	Fence   int64
	Profile string
}

// acquire takes the lock (SET NX PX with a random token) and, in the same
// script, the next fence; 0 means somebody else holds the lock.
var acquire = script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
`)

// release deletes the lock only if it still holds our token: a holder whose
// lease ran out must not free the lock of the one that took over.
var release = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

var extend = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

// TryLock takes the profile's renewal lock for lease. It returns nil and no
// error when another holder has it.
func (s *Store) TryLock(ctx context.Context, profile string, lease time.Duration) (*Lock, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	l := &Lock{s: s, key: s.key("lock", profile), token: hex.EncodeToString(b[:]), Profile: profile}
	err := s.call(ctx, "taking the renewal lock of "+profile, func(ctx context.Context) error {
		var err error
		l.Fence, err = acquire().Run(ctx, s.rdb, []string{l.key, s.key("fence", profile)}, l.token, lease.Milliseconds()).Int64()
		return err
	})
	if err != nil {
		return nil, err
	}
	if l.Fence == 0 {
		return nil, nil
	}
	return l, nil
}

// Lock takes the profile's renewal lock, polling (with jitter) while
// another holder has it, until ctx ends (then exit 4).
func (s *Store) Lock(ctx context.Context, profile string, lease, poll time.Duration) (*Lock, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		l, err := s.TryLock(ctx, profile, lease)
		if err != nil || l != nil {
			return l, err
		}
		if err := s.clock.Sleep(ctx, poll/2+time.Duration(mrand.Int64N(int64(poll)))); err != nil {
			return nil, s.waitErr(ctx, profile, err)
		}
	}
}

// Release frees the lock if it is still ours. It uses its own short context
// so that a cancelled caller still frees the lock for the others.
func (l *Lock) Release() error {
	return l.s.call(context.Background(), "releasing the renewal lock of "+l.Profile, func(ctx context.Context) error {
		return release().Run(ctx, l.s.rdb, []string{l.key}, l.token).Err()
	})
}

// Extend renews the lease; false means the lock was lost (its lease ran out
// and another holder may have taken it).
func (l *Lock) Extend(ctx context.Context, lease time.Duration) (bool, error) {
	var n int64
	err := l.s.call(ctx, "extending the renewal lock of "+l.Profile, func(ctx context.Context) error {
		var err error
		n, err = extend().Run(ctx, l.s.rdb, []string{l.key}, l.token, lease.Milliseconds()).Int64()
		return err
	})
	return n == 1, err
}

// keepAlive extends the lease every third of it until stop is called, so
// that a login slower than the lease (rate-limit waits, retries) keeps the
// lock; a holder that dies stops extending, and its lease runs out. The
// lease is Redis's wall-clock time, so this waits in real time.
func (l *Lock) keepAlive(lease time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ok, err := l.Extend(context.Background(), lease); err == nil && !ok {
					return // lost: the fence keeps our late write out
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// LockState is what status shows about a profile's renewal lock.
type LockState struct {
	Held bool
	// Left is the holder's remaining lease; a held lock with no lease (-1)
	// was set by hand and never expires.
	Left time.Duration
}

// LockState reads whether the renewal lock is held and for how long.
func (s *Store) LockState(ctx context.Context, profile string) (LockState, error) {
	var d time.Duration
	err := s.call(ctx, "reading the renewal lock of "+profile, func(ctx context.Context) error {
		var err error
		d, err = s.rdb.PTTL(ctx, s.key("lock", profile)).Result()
		return err
	})
	if err != nil {
		return LockState{}, err
	}
	// PTTL: -2 no key, -1 no expiry (go-redis passes these through as-is).
	if d == -2 || d == -2*time.Millisecond {
		return LockState{}, nil
	}
	return LockState{Held: true, Left: d}, nil
}

// Renewal says how to renew one profile's shared session.
type Renewal struct {
	Profile, Origin string
	// Fresh says whether a stored session is good enough to use.
	Fresh func(data []byte) bool
	// Login makes a new session (a vendor login) while the lock is held;
	// fence is the lock's. ttl > 0 lets Redis drop the item after it.
	Login func(ctx context.Context, fence int64) (data []byte, ttl time.Duration, err error)
	// Lease and Poll default to DefaultLease and DefaultPoll.
	Lease, Poll time.Duration
	// Wait bounds each wait for another holder (0: only ctx bounds it);
	// running out of it is exit 4. The login itself is bounded by ctx.
	Wait time.Duration
}

// Renew returns a fresh shared session, making at most one login across the
// fleet: the first caller to take the lock logs in and writes under its
// fence; the others poll (with jitter) until the session changes to a fresh
// one, or the lock is gone (released without a write, or its lease ran out)
// and they may take it themselves, or ctx ends.
//
// A stored item that does not open with this fleet key stops everything
// with ErrWrongKey before any login, so nothing is overwritten.
func (s *Store) Renew(ctx context.Context, r Renewal) (*Item, error) {
	if r.Lease <= 0 {
		r.Lease = DefaultLease
	}
	for {
		it, err := s.read(ctx, r.Profile, r.Origin)
		if err != nil || (it != nil && r.Fresh(it.Data)) {
			return it, err
		}
		seen := int64(-1)
		if it != nil {
			seen = it.Fence
		}
		l, err := s.TryLock(ctx, r.Profile, r.Lease)
		if err != nil {
			return nil, err
		}
		if l != nil {
			return s.renewLocked(ctx, l, r)
		}
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if r.Wait > 0 {
			wctx, cancel = context.WithTimeout(ctx, r.Wait)
		}
		it, err = s.waitChange(wctx, r.Profile, r.Origin, r.Fresh, seen, r.Poll, true)
		cancel()
		if err != nil || it != nil {
			return it, err
		}
		// The lock is gone without a fresh session: try to take it.
	}
}

func (s *Store) renewLocked(ctx context.Context, l *Lock, r Renewal) (*Item, error) {
	defer func() { _ = l.Release() }()
	// Somebody may have written between our read and our lock.
	it, err := s.read(ctx, r.Profile, r.Origin)
	if err != nil || (it != nil && r.Fresh(it.Data)) {
		return it, err
	}
	stop := l.keepAlive(r.Lease)
	data, ttl, err := r.Login(ctx, l.Fence)
	stop()
	if err != nil {
		return nil, err
	}
	err = s.PutSession(ctx, r.Profile, r.Origin, l.Fence, data, ttl)
	if errors.Is(err, ErrStaleFence) {
		// Our lease ran out during the login and a newer holder wrote.
		// Its session wins; ours is simply not used.
		it, err := s.read(ctx, r.Profile, r.Origin)
		if err == nil && it != nil && r.Fresh(it.Data) {
			return it, nil
		}
		return nil, clierr.New(clierr.NoSession, "fleet store %s: the renewal lock of %s expired during the login and another host's session is not usable", s.display, r.Profile)
	}
	if err != nil {
		return nil, fmt.Errorf("logged in, but could not store the shared session: %w", err)
	}
	return &Item{Data: data, Fence: l.Fence, By: s.holder, At: s.clock.Now()}, nil
}

// read reads the session; nothing stored is (nil, nil).
func (s *Store) read(ctx context.Context, profile, origin string) (*Item, error) {
	it, err := s.Session(ctx, profile, origin)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return it, err
}

// WaitFresh is the consumer's side: it polls until a fresh session is
// stored or ctx ends (then exit 4: nobody renewed it in time). It never
// takes the lock and never logs in.
func (s *Store) WaitFresh(ctx context.Context, profile, origin string, fresh func([]byte) bool, poll time.Duration) (*Item, error) {
	it, err := s.read(ctx, profile, origin)
	if err != nil || (it != nil && fresh(it.Data)) {
		return it, err
	}
	return s.waitChange(ctx, profile, origin, fresh, -2, poll, false)
}

// waitChange polls until the session is fresh and its fence differs from
// seen (a fresh session is returned), or, when untilFree, the lock is free
// (nil, nil), or ctx ends.
func (s *Store) waitChange(ctx context.Context, profile, origin string, fresh func([]byte) bool, seen int64, poll time.Duration, untilFree bool) (*Item, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		// Jitter in [poll/2, 3·poll/2) keeps waiters from polling in step.
		d := poll/2 + time.Duration(mrand.Int64N(int64(poll)))
		if err := s.clock.Sleep(ctx, d); err != nil {
			return nil, s.waitErr(ctx, profile, err)
		}
		it, err := s.read(ctx, profile, origin)
		if err != nil {
			return nil, err
		}
		if it != nil && it.Fence != seen && fresh(it.Data) {
			return it, nil
		}
		if untilFree {
			st, err := s.LockState(ctx, profile)
			if err != nil {
				return nil, err
			}
			if !st.Held {
				return nil, nil
			}
		}
	}
}

func (s *Store) waitErr(ctx context.Context, profile string, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return err
	}
	return clierr.New(clierr.NoSession, "fleet store %s: no fresh session of %s was written in time (is the fleet's renewer running?)", s.display, profile)
}
