package ratelimit

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// State is what sesame knows of one method's budget. It holds no secret.
type State struct {
	// Limit is the window's allowance as the vendor last said it; 0 when
	// unknown (then nothing is held before a 429).
	Limit int `json:"limit,omitempty"`
	// Remaining is the calls left in the window: the vendor's count,
	// lowered by every call sent since.
	Remaining int `json:"remaining"`
	// Reset is when the vendor said the window ends; zero when unknown
	// (after a window ran out here and before the next answer said).
	Reset time.Time `json:"reset,omitzero"`
	// Blocked is the time before which nothing is sent: a 429's reset plus
	// the margin, or its Retry-After.
	Blocked time.Time `json:"blocked,omitzero"`
	// Seen is when an answer last spoke of this budget.
	Seen time.Time `json:"seen,omitzero"`
	// Probe is set while the first call of an unknown budget is out.
	Probe time.Time `json:"probe,omitzero"`
	// Out counts calls sent and not yet answered (OutAt: the last one
	// sent); a window that turns here starts with them counted, since
	// they may reach the vendor in it. A count left by a process that
	// died fades after probeFor.
	Out   int       `json:"out,omitempty"`
	OutAt time.Time `json:"out_at,omitzero"`
	// Ended is the reset of the window that last ran out here: an answer
	// that still speaks of it (a slow answer to a call of that window)
	// says nothing of the window that followed.
	Ended time.Time `json:"ended,omitzero"`
}

// pollUnknown is how long a request waits when the window's calls are all
// sent and no answer has yet said when the new window ends, or while the
// first call of an unknown budget is out.
const pollUnknown = 250 * time.Millisecond

// probeFor is how long the first call of an unknown budget holds the
// others back: long enough for its answer, short enough that a call that
// died does not stall the rest.
const probeFor = 30 * time.Second

// take decides whether a call may go now: it counts the call against s
// (returning 0) or says how long to wait. probe says the dialect carries a
// budget in its answers: then, while nothing is known, one call goes first
// and the rest wait for what its answer says.
func (s *State) take(now time.Time, margin time.Duration, probe bool) time.Duration {
	if now.Before(s.Blocked) {
		return s.Blocked.Sub(now)
	}
	if s.Out > 0 && now.Sub(s.OutAt) >= probeFor {
		s.Out = 0
	}
	if s.Limit <= 0 {
		if probe && s.Seen.IsZero() {
			if now.Before(s.Probe) {
				return min(pollUnknown, s.Probe.Sub(now))
			}
			s.Probe = now.Add(probeFor)
		}
		s.Out++
		s.OutAt = now
		return 0
	}
	if !s.Reset.IsZero() && !now.Before(s.Reset.Add(margin)) {
		// The window is over: a fresh allowance, its end not yet known,
		// less the calls still on their way: each may reach the vendor in
		// the new window, however many windows ago it was sent. They stay
		// counted until answered (a call lost without an answer fades
		// with the rest after probeFor).
		s.Remaining, s.Ended, s.Reset = max(s.Limit-s.Out, 0), s.Reset, time.Time{}
	}
	if s.Remaining > 0 {
		s.Remaining--
		s.Out++
		s.OutAt = now
		return 0
	}
	if s.Reset.IsZero() {
		return pollUnknown
	}
	return s.Reset.Add(margin).Sub(now)
}

// observe merges what an answer said into s; slow marks a "slow down"
// answer, until which nothing may be sent.
func (s *State) observe(o Observation, slow bool, until, now time.Time) {
	s.Probe = time.Time{}
	s.Seen = now
	if s.Out > 0 {
		s.Out--
	}
	counting := s.Limit > 0
	if o.Limit > 0 {
		s.Limit = o.Limit
	}
	if slow {
		s.Remaining = 0
		if until.After(s.Blocked) {
			s.Blocked = until
		}
		if o.Reset.After(s.Reset) {
			s.Reset = o.Reset
		}
		return
	}
	if o.Remaining < 0 || o.Reset.IsZero() || s.Limit <= 0 {
		// Without a count and a reset there is nothing to pace by.
		return
	}
	switch {
	case s.Reset.IsZero() && !o.Reset.After(s.Ended):
		// A late answer from the window that ran out here: taking its
		// reset for the new window's would end that window at once and
		// hand out a second allowance in it.
	case s.Reset.IsZero():
		// The first answer, or the first of a window that ran out here:
		// calls sent but not yet counted by the vendor are in our own
		// count, so the lower count holds.
		if counting {
			s.Remaining = min(s.Remaining, o.Remaining)
		} else {
			s.Remaining = o.Remaining
		}
		s.Reset = o.Reset
	case o.Reset.Equal(s.Reset):
		s.Remaining = min(s.Remaining, o.Remaining)
	case o.Reset.After(s.Reset):
		// A newer window than the one we counted in; the calls still on
		// their way may reach the vendor in it after this one.
		s.Remaining, s.Reset = max(o.Remaining-s.Out, 0), o.Reset
	}
	// An answer from an older window says nothing new.
}

// Store keeps the States of one profile where every sharer sees them.
type Store interface {
	// Update runs f on the budget of key (a zero State when none is kept)
	// under a lock that every sharer of the store honours, and keeps what
	// f leaves. f may run more than once (an optimistic store retries).
	Update(ctx context.Context, key string, f func(s *State)) error
	// All is every State kept, by key, for status.
	All(ctx context.Context) (map[string]State, error)
}

// Memory is a Store for one process.
type Memory struct {
	mu sync.Mutex
	m  map[string]State
}

// Update implements Store.
func (m *Memory) Update(_ context.Context, key string, f func(s *State)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]State{}
	}
	s := m.m[key]
	f(&s)
	m.m[key] = s
	return nil
}

// All implements Store.
func (m *Memory) All(context.Context) (map[string]State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]State, len(m.m))
	for k, v := range m.m {
		out[k] = v
	}
	return out, nil
}

// Budget paces the requests of one profile under its vendor's dialect.
// Its methods are safe for concurrent use.
//
// It keeps a mirror of each State in memory. While the mirror was synced
// with the Store in the last second and the budget is far from spent (more
// than half of a window of at least 20 calls left, or a method the vendor
// puts no budget on), a call is counted in the mirror alone; answers are
// written through at most once a second then. Near the limit, after a
// "slow down" and when a window turns, every call and answer goes through
// the Store, so that the sharers never overspend together. (Writing the
// file store on every call of a busy proxy would cost more than the proxy
// itself.)
type Budget struct {
	Dialect *Dialect
	// Store is where the States are shared; nil means a Memory.
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Fallback, when set, is used while Store fails (a fleet's Redis down):
	// pacing goes on per host instead of stopping.
	Fallback Store

	once      sync.Once
	mu        sync.Mutex
	mirror    map[string]*mirrored
	downUntil time.Time // the shared store failed: the Fallback until then
}

// mirrored is a State as this process last knew it.
type mirrored struct {
	State
	synced time.Time // last read from or written to the Store
	// pending counts the calls this process counted in the Store (its
	// Out) and has not yet seen answered or cancelled: each answer takes
	// one back from the Store's Out even when the answer is not otherwise
	// shared, since the Store keeps Out across window turns.
	pending int
}

// syncEvery bounds how stale the mirror may be on the fast path.
const syncEvery = time.Second

func (b *Budget) init() {
	b.once.Do(func() {
		if b.Store == nil {
			b.Store = &Memory{}
		}
		if b.Now == nil {
			b.Now = time.Now
		}
		b.mirror = map[string]*mirrored{}
	})
}

// downFor is how long a failed shared store is left alone: every call to
// a Redis that does not answer would cost its timeout.
const downFor = 30 * time.Second

func (b *Budget) update(ctx context.Context, key string, f func(s *State)) {
	if b.Fallback != nil {
		b.mu.Lock()
		down := b.Now().Before(b.downUntil)
		b.mu.Unlock()
		if down {
			_ = b.Fallback.Update(ctx, key, f)
			return
		}
	}
	if err := b.Store.Update(ctx, key, f); err != nil && b.Fallback != nil {
		b.mu.Lock()
		b.downUntil = b.Now().Add(downFor)
		b.mu.Unlock()
		_ = b.Fallback.Update(ctx, key, f)
	}
}

// plenty reports whether m may be spent from without asking the Store.
func (m *mirrored) plenty(now time.Time) bool {
	if m == nil || now.Sub(m.synced) >= syncEvery || now.Before(m.Blocked) || !m.Probe.IsZero() || m.Seen.IsZero() {
		return false
	}
	if m.Limit <= 0 {
		return true // nothing to pace by
	}
	return m.Limit >= 20 && m.Remaining > m.Limit/2 && !m.Reset.IsZero() && now.Before(m.Reset)
}

// Take counts one call of key against the budget and returns 0, or
// returns how long to wait before asking again (nothing counted). The
// wait ends at until.
func (b *Budget) Take(ctx context.Context, key string) (wait time.Duration, until time.Time) {
	if b == nil {
		return 0, time.Time{}
	}
	b.init()
	now := b.Now()
	b.mu.Lock()
	if m := b.mirror[key]; m.plenty(now) {
		if m.Limit > 0 {
			m.Remaining--
		}
		b.mu.Unlock()
		return 0, time.Time{}
	}
	b.mu.Unlock()
	margin := b.Dialect.margin()
	probe := b.Dialect != nil && b.Dialect.LimitHeader != "" && b.Dialect.RemainingHeader != ""
	var snap State
	b.update(ctx, key, func(s *State) { wait = s.take(now, margin, probe); snap = *s })
	b.mu.Lock()
	pending := 0
	if m := b.mirror[key]; m != nil {
		pending = m.pending
	}
	if wait == 0 {
		pending++
	}
	b.mirror[key] = &mirrored{State: snap, synced: now, pending: pending}
	b.mu.Unlock()
	if wait > 0 {
		until = now.Add(wait)
	}
	return wait, until
}

// Observe learns from an answer to a call of key. For a "slow down"
// answer it returns how long to wait before sending again and until when
// (see Dialect.RetryWait; attempt counts the slow answers so far).
func (b *Budget) Observe(ctx context.Context, key string, status int, h http.Header, attempt int) (wait time.Duration, why string, until time.Time, slow bool) {
	if b == nil {
		return 0, "", time.Time{}, false
	}
	b.init()
	now := b.Now()
	d := b.Dialect
	o := d.Read(h)
	slow = d.Slow(status, h)
	if slow {
		wait, why, _ = d.RetryWait(attempt, h, now)
		until = now.Add(wait)
	}
	b.mu.Lock()
	m := b.mirror[key]
	if m == nil {
		m = &mirrored{}
		b.mirror[key] = m
	}
	before := m.State
	m.observe(o, slow, until, now)
	share := slow || !before.Probe.IsZero() || !m.Reset.Equal(before.Reset) || m.Limit != before.Limit ||
		!m.plenty(now) || now.Sub(m.synced) >= syncEvery
	if !o.Known() && !slow && before.Probe.IsZero() && !before.Seen.IsZero() {
		share = false // an answer that says nothing, about a budget already known
	}
	if share {
		m.synced = now
	}
	counted := m.pending > 0
	if counted {
		m.pending--
	}
	b.mu.Unlock()
	switch {
	case share:
		b.update(ctx, key, func(s *State) { s.observe(o, slow, until, now) })
	case counted:
		b.update(ctx, key, func(s *State) {
			if s.Out > 0 {
				s.Out--
			}
		})
	}
	return wait, why, until, slow
}

// Cancel gives back the call of key that Take counted when it got no
// answer (the network failed): it is no longer on its way, and if it was
// the first call of an unknown budget, the others need not wait for it.
func (b *Budget) Cancel(ctx context.Context, key string) {
	if b == nil {
		return
	}
	b.init()
	b.mu.Lock()
	if m := b.mirror[key]; m != nil {
		m.Out = max(m.Out-1, 0)
		m.pending = max(m.pending-1, 0)
	}
	b.mu.Unlock()
	b.update(ctx, key, func(s *State) {
		if s.Out > 0 {
			s.Out--
		}
		s.Probe = time.Time{} // a first call that failed holds nobody back
	})
}

// Known is one budget as status shows it.
type Known struct {
	Method    string    `json:"method"`
	Limit     int       `json:"limit,omitempty"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset,omitzero"`
	Blocked   time.Time `json:"blocked_until,omitzero"`
	Seen      time.Time `json:"seen,omitzero"`
}

// List is every budget a store keeps whose window (or block) has not
// ended by now, sorted by method.
func List(ctx context.Context, st Store, now time.Time) ([]Known, error) {
	all, err := st.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []Known
	for k, s := range all {
		if now.After(s.Reset) && now.After(s.Blocked) {
			continue
		}
		out = append(out, Known{Method: k, Limit: s.Limit, Remaining: s.Remaining, Reset: s.Reset, Blocked: s.Blocked, Seen: s.Seen})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Method < out[j].Method })
	return out, nil
}
