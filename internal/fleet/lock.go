package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// DefaultLease is how long a renewal lock lives unless its holder releases
// or extends it. The holder extends it every third of a lease while it
// works (keepAlive), so a live login of any length keeps it; a holder that
// dies (SIGKILL, lost host) stops extending, and the fleet moves on within
// one lease: this is the "seconds, not a minute" of a Chubby/etcd lease.
const DefaultLease = 10 * time.Second

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
	origin  string
	// What the lock script read in the same round trip: the stored
	// session (nil: none, or one older than the floor) and the sealed
	// secret (nil: none stored or not readable by this user).
	cur    *Item
	curErr error
	secret []byte
	// seen is the stored session's fence when the lock was taken.
	seen int64
}

// acquire takes the lock (SET NX PX with a random token) and, in the same
// round trip, the next fence, the stored session and the saved secret.
// The fence is raised above both the stored session's fence and the
// caller's floor (the highest fence it has seen), so that a Redis that lost
// its data, or a fence key set back by hand, cannot hand out a fence that
// an older record already carries.
//
// KEYS: lock, fence, session, secret. ARGV: token, lease ms, floor, want
// secret (1/0). Reply: {fence or 0, s.fence, s.data, s.by, s.at, secret}.
var acquire = script(`
local cur = redis.call('HMGET', KEYS[3], 'fence', 'data', 'by', 'at')
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, cur[1], cur[2], cur[3], cur[4], false}
end
local f = redis.call('INCR', KEYS[2])
local floor = math.max(tonumber(ARGV[3]) or 0, tonumber(cur[1] or '0') or 0)
if f <= floor then
  f = floor + 1
  redis.call('SET', KEYS[2], f)
end
local secret = false
if ARGV[4] == '1' then secret = redis.call('GET', KEYS[4]) end
return {f, cur[1], cur[2], cur[3], cur[4], secret}
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
	return s.tryLock(ctx, profile, "", lease, 0, false)
}

func (s *Store) tryLock(ctx context.Context, profile, origin string, lease time.Duration, floor int64, withSecret bool) (*Lock, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	// The lock's value names its holder (host/pid) before the random part,
	// so that status and an operator can tell who holds it.
	l := &Lock{s: s, key: s.key("lock", profile), token: s.holder + " " + hex.EncodeToString(b[:]), Profile: profile, origin: origin}
	want := "0"
	if withSecret {
		want = "1"
	}
	var reply []any
	err := s.call(ctx, "taking the renewal lock of "+profile, func(ctx context.Context) error {
		var err error
		reply, err = s.eval(ctx, acquire(), []string{l.key, s.key("fence", profile), s.key("session", profile), s.key("secret", profile)},
			l.token, lease.Milliseconds(), floor, want).Slice()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(reply) != 6 {
		return nil, clierr.New(clierr.Store, "fleet store %s: unexpected answer to the lock script", s.display)
	}
	l.Fence, _ = reply[0].(int64)
	if l.Fence == 0 {
		return nil, nil
	}
	l.seen = floorOf(reply[1])
	if origin != "" {
		l.cur, l.curErr = s.item(profile, origin, reply[1:5])
		if errors.Is(l.curErr, ErrNotFound) {
			l.cur, l.curErr = nil, nil
		}
	}
	if sec, ok := reply[5].(string); ok {
		l.secret = []byte(sec)
	}
	return l, nil
}

// Secret is the fleet's saved secret as the lock read it (ErrNotFound when
// none is stored).
func (l *Lock) Secret() ([]byte, error) {
	if l.secret == nil {
		return nil, ErrNotFound
	}
	return l.s.open("secret", l.Profile, l.origin, 0, l.secret)
}

// Lock takes the profile's renewal lock, polling (with jitter) while
// another holder has it, until ctx ends (then exit 4). A store that does
// not answer is asked again within ctx (then exit 6).
func (s *Store) Lock(ctx context.Context, profile string, lease, poll time.Duration) (*Lock, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		var l *Lock
		err := s.retry(ctx, func() error {
			var err error
			l, err = s.TryLock(ctx, profile, lease)
			return err
		})
		if err != nil || l != nil {
			return l, s.endWait(ctx, profile, err)
		}
		if err := s.clock.Sleep(ctx, jitter(poll)); err != nil {
			return nil, s.endWait(ctx, profile, err)
		}
	}
}

// Release frees the lock if it is still ours. It uses its own short context
// so that a cancelled caller (Ctrl-C, SIGTERM) still frees the lock for the
// others.
func (l *Lock) Release() error {
	return l.s.call(context.Background(), "releasing the renewal lock of "+l.Profile, func(ctx context.Context) error {
		return l.s.eval(ctx, release(), []string{l.key}, l.token).Err()
	})
}

// Extend renews the lease; false means the lock was lost (its lease ran out
// and another holder may have taken it).
func (l *Lock) Extend(ctx context.Context, lease time.Duration) (bool, error) {
	var n int64
	err := l.s.call(ctx, "extending the renewal lock of "+l.Profile, func(ctx context.Context) error {
		var err error
		n, err = l.s.eval(ctx, extend(), []string{l.key}, l.token, lease.Milliseconds()).Int64()
		return err
	})
	return n == 1, err
}

// keepAlive extends the lease every third of it until stop is called, so
// that a login slower than the lease (rate-limit waits, retries) keeps the
// lock; a holder that dies stops extending, and its lease runs out. The
// lease is Redis's wall-clock time, so this waits in real time. A failed
// extension (a Redis blip) is tried again at the next tick: two more
// chances before the lease ends.
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
	// Floor is the highest fence this host has seen: a stored session with
	// an older fence (replayed, or written back by a Redis that lost its
	// data) is never returned; a renewer renews over it.
	Floor int64
	// Login makes a new session (a vendor login) while the lock is held.
	// ttl > 0 lets Redis drop the item after it.
	Login func(ctx context.Context, l *Lock) (data []byte, ttl time.Duration, err error)
	// Secret, when Login succeeded, is the secret it logged in with: it is
	// written back to the fleet should the fleet have none (a Redis that
	// lost its data heals itself). nil: write nothing.
	Secret func() []byte
	// Lease and Poll default to DefaultLease and DefaultPoll.
	Lease, Poll time.Duration
	// Wait bounds each wait for another holder, and the retries of a
	// store that does not answer (0: only ctx bounds them); running out of
	// it is exit 4 (exit 6 when the store did not answer). The login
	// itself is bounded by ctx.
	Wait time.Duration
}

// Renew returns a fresh shared session, making at most one login across the
// fleet: the first caller to take the lock logs in and writes under its
// fence; the others poll (with jitter) until the session changes to a fresh
// one, or the lock is gone (released without a write, or its lease ran out)
// and they may take it themselves, or the wait ends.
//
// A stored item that does not open with this fleet key (another key, or a
// forged fence) stops everything with ErrWrongKey before any login, so
// nothing is overwritten.
//
// Round trips of a renewal: a new connection's TCP handshake and HELLO
// (which authenticates), one read, one lock script (lock, fence, the
// stored session and the secret), the login, one commit script (write,
// re-seed the secret, release): five, where there were eleven (the
// session layer adds its rate-limit read to both).
func (s *Store) Renew(ctx context.Context, r Renewal) (*Item, error) {
	if r.Lease <= 0 {
		r.Lease = DefaultLease
	}
	for {
		wctx, cancel := withWait(ctx, r.Wait)
		it, l, err := s.freshOrLock(wctx, r)
		if err != nil || it != nil {
			cancel()
			return it, s.endWait(wctx, r.Profile, err)
		}
		if l != nil {
			cancel()
			it, err := s.renewLocked(ctx, l, r)
			if !errors.Is(err, ErrNoSecret) {
				return it, err
			}
			// No secret on this host nor in the fleet (a Redis that lost
			// its data): another renewer may still hold one (a login in
			// flight, a host with a local copy). Wait for its session;
			// exit 4 with this error when none comes.
			wctx, cancel := withWait(ctx, r.Wait)
			got, werr := s.waitChange(wctx, r.Profile, r.Origin, r.Fresh, r.Floor, r.Poll, false)
			cancel()
			if werr != nil && clierr.Code(werr) == clierr.NoSession {
				return nil, err
			}
			return got, werr
		}
		it, err = s.waitChange(wctx, r.Profile, r.Origin, r.Fresh, r.Floor, r.Poll, true)
		cancel()
		if err != nil || it != nil {
			return it, err
		}
		// The lock is gone without a fresh session: try to take it.
	}
}

func withWait(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// freshOrLock returns a fresh stored session, or the lock (to renew), or
// neither (another holder renews), retrying a store that does not answer.
func (s *Store) freshOrLock(ctx context.Context, r Renewal) (it *Item, l *Lock, err error) {
	err = s.retry(ctx, func() error {
		it, err = s.read(ctx, r.Profile, r.Origin)
		if err != nil {
			return err
		}
		if it != nil && it.Fence >= r.Floor && r.Fresh(it.Data) {
			return nil
		}
		it = nil
		l, err = s.tryLock(ctx, r.Profile, r.Origin, r.Lease, r.Floor, r.Secret != nil)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if l != nil && (l.curErr != nil || (l.cur != nil && l.cur.Fence >= r.Floor && r.Fresh(l.cur.Data))) {
		// Written between our read and our lock (or unreadable): no login.
		_ = l.Release()
		return l.cur, nil, l.curErr
	}
	return it, l, nil
}

// commit writes the session under the lock's fence, re-seeds the secret
// when the fleet has none, and releases the lock, in one round trip.
//
// The holder writes only if nobody wrote since it took the lock (the
// stored fence is still the one it saw, or Redis lost it) and its fence is
// newer: a holder whose lease ran out and was taken over, or two holders
// after a Redis that restarted empty lost the lock, never both get their
// session served; the one written first wins, the other is not used. The
// fence counter is raised to the written fence, so later locks hand out
// newer ones.
//
// KEYS: session, lock, secret, fence. ARGV: fence, data, by, at, ttl ms,
// token, sealed secret ("" for none), the session's fence at lock time.
// Reply: 1 written, 0 stale fence.
var commit = script(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
local ok = 0
if tonumber(ARGV[1]) > cur and cur <= tonumber(ARGV[8]) then
  if (tonumber(redis.call('GET', KEYS[4]) or '0') or 0) < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[4], ARGV[1])
  end
  redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'data', ARGV[2], 'by', ARGV[3], 'at', ARGV[4])
  if tonumber(ARGV[5]) > 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
  else
    redis.call('PERSIST', KEYS[1])
  end
  if ARGV[7] ~= '' then redis.call('SET', KEYS[3], ARGV[7], 'NX') end
  ok = 1
end
if redis.call('GET', KEYS[2]) == ARGV[6] then redis.call('DEL', KEYS[2]) end
return ok
`)

func (s *Store) renewLocked(ctx context.Context, l *Lock, r Renewal) (*Item, error) {
	released := false
	defer func() {
		if !released {
			_ = l.Release()
		}
	}()
	stop := l.keepAlive(r.Lease)
	data, ttl, err := r.Login(ctx, l)
	stop()
	if err != nil {
		return nil, err
	}
	blob, err := s.seal("session", r.Profile, r.Origin, l.Fence, data)
	if err != nil {
		return nil, err
	}
	var secret []byte
	if r.Secret != nil {
		if sec := r.Secret(); len(sec) > 0 {
			if secret, err = s.seal("secret", r.Profile, r.Origin, 0, sec); err != nil {
				return nil, err
			}
		}
	}
	now := s.clock.Now()
	var ok int64
	// The login is done: a Redis blip now must not waste it. Retry within
	// the wait (or one call timeout when there is none).
	wctx, cancel := withWait(context.WithoutCancel(ctx), max(r.Wait, s.timeout))
	defer cancel()
	err = s.retry(wctx, func() error {
		return s.call(wctx, "writing the session of "+r.Profile, func(cctx context.Context) error {
			var err error
			ok, err = s.eval(cctx, commit(), []string{s.key("session", r.Profile), l.key, s.key("secret", r.Profile), s.key("fence", r.Profile)},
				l.Fence, blob, s.holder, now.UnixMilli(), ttl.Milliseconds(), l.token, string(secret), l.seen).Int64()
			return err
		})
	})
	if err != nil && clierr.Code(err) == clierr.Unexpected && errors.Is(err, context.DeadlineExceeded) {
		// The retries' time ran out between two attempts: the store did
		// not answer in time (exit 6), never a bare deadline (exit 1).
		err = s.wrap("writing the session of "+r.Profile, err)
	}
	if err != nil {
		return nil, fmt.Errorf("logged in, but could not store the shared session: %w", err)
	}
	released = true
	if ok != 1 {
		// Our lease ran out during the login and a newer holder wrote.
		// Its session wins; ours is simply not used.
		it, err := s.read(ctx, r.Profile, r.Origin)
		if err == nil && it != nil && r.Fresh(it.Data) {
			return it, nil
		}
		return nil, clierr.New(clierr.NoSession, "fleet store %s: the renewal lock of %s expired during the login and another host's session is not usable", s.display, r.Profile)
	}
	return &Item{Data: data, Fence: l.Fence, By: s.holder, At: now}, nil
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
// stored or ctx ends (then exit 4: nobody renewed it in time; exit 6 when
// the store did not answer). A stored session with a fence older than
// floor (the highest this host has seen) ends the wait with that item and
// ErrOlderFence: it is never served. It never takes the lock and never
// logs in.
func (s *Store) WaitFresh(ctx context.Context, profile, origin string, fresh func([]byte) bool, floor int64, poll time.Duration) (*Item, error) {
	var it *Item
	err := s.retry(ctx, func() error {
		var err error
		it, err = s.read(ctx, profile, origin)
		return err
	})
	if err != nil {
		return nil, s.endWait(ctx, profile, err)
	}
	if it != nil && it.Fence < floor {
		return it, ErrOlderFence
	}
	if it != nil && fresh(it.Data) {
		return it, nil
	}
	return s.waitChange(ctx, profile, origin, fresh, floor, poll, false)
}

// waitChange polls until a fresh session with a fence of at least floor is
// stored (returned), or, when untilFree, the lock is free (nil, nil), or
// ctx ends. A store that stops answering is asked again until ctx ends.
func (s *Store) waitChange(ctx context.Context, profile, origin string, fresh func([]byte) bool, floor int64, poll time.Duration, untilFree bool) (*Item, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		// Jitter in [poll/2, 3·poll/2) keeps waiters from polling in step.
		if err := s.clock.Sleep(ctx, jitter(poll)); err != nil {
			return nil, s.endWait(ctx, profile, err)
		}
		var it *Item
		free := false
		err := s.retry(ctx, func() error {
			var err error
			if it, err = s.read(ctx, profile, origin); err != nil || !untilFree {
				return err
			}
			st, err := s.LockState(ctx, profile)
			free = !st.Held
			return err
		})
		if err != nil {
			return nil, s.endWait(ctx, profile, err)
		}
		if it != nil && it.Fence < floor && !untilFree {
			return it, ErrOlderFence
		}
		if it != nil && it.Fence >= floor && fresh(it.Data) {
			return it, nil
		}
		if free {
			return nil, nil
		}
	}
}

func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(mrand.Int64N(int64(d)))
}

// BlipWindow is how long a store that stopped answering (a restart, a
// fail-over, a paused server) is asked again, within the caller's wait,
// before the call fails with exit 6 (or falls back to a local renewal).
const BlipWindow = 10 * time.Second

// retry runs f again while the store does not answer, backing off with
// jitter from 50 ms to 1 s, until it answers, BlipWindow has passed since
// the first failure, or ctx ends; each attempt stays bounded by the call
// timeout. Without a deadline on ctx there is one attempt. The window is
// real time: the store's outage is.
func (s *Store) retry(ctx context.Context, f func() error) error {
	backoff := 50 * time.Millisecond
	var until time.Time
	for {
		err := f()
		if err == nil || !errors.Is(err, ErrUnavailable) {
			return err
		}
		if _, ok := ctx.Deadline(); !ok {
			return err
		}
		if until.IsZero() {
			until = time.Now().Add(BlipWindow)
		}
		d := jitter(backoff)
		if time.Now().Add(d).After(until) {
			return err
		}
		if serr := s.clock.Sleep(ctx, d); serr != nil {
			if errors.Is(serr, context.Canceled) && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
				return serr
			}
			return err // the wait is over and the store still does not answer: exit 6
		}
		backoff = min(2*backoff, time.Second)
	}
}

// endWait gives the end of a fleet wait its documented code: a deadline
// is exit 4 (nobody wrote a fresh session in time), a store that never
// answered stays exit 6, Ctrl-C/SIGTERM stays context.Canceled (exit 130).
// Nothing a wait returns is a bare context error (exit 1).
func (s *Store) endWait(ctx context.Context, profile string, err error) error {
	if err == nil || clierr.Code(err) != clierr.Unexpected || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return clierr.New(clierr.NoSession, "fleet store %s: no fresh session of %s was written in time (is the fleet's renewer running?)", s.display, profile)
}

// floorOf reads a fence field as Redis returns it ("" or nil: 0).
func floorOf(v any) int64 {
	str, _ := v.(string)
	n, _ := strconv.ParseInt(str, 10, 64)
	return n
}
