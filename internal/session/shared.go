package session

// Shared profiles (SPEC §4 "Shared across a fleet"): the profile's session
// lives in the fleet's Redis, and the local store keeps a read-through copy.
// A valid local copy is used as it is (one local read, no Redis); Redis is
// asked only when the copy is missing, expired or rejected. A renewer renews
// under the fleet's fenced lock, so the fleet makes one login; a consumer
// only reads, and fails with exit 4 when nobody renewed in time.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/transport"
)

func decodeShared(data []byte, p *config.Profile) *providers.Session {
	s := &providers.Session{}
	if json.Unmarshal(data, s) != nil || s.Token == "" || s.Provider != p.Provider {
		return nil
	}
	return s
}

// sharedWaitMargin is what the default shared.wait adds to the lease and
// the login timeout: a poll or two and a Redis round trip.
const sharedWaitMargin = 5 * time.Second

// SharedWait is how long this host waits for another host's renewal of p
// (and retries a Redis that does not answer meanwhile): shared.wait when
// set, else the renewal lock's lease plus the login timeout plus
// sharedWaitMargin. The rule that ties them: a wait must outlast a dead
// holder's lease and the login of the host that takes over, so a
// shared.wait shorter than lease + login timeout is refused (exit 2,
// naming both), since the first renewer killed would fail this host.
func (m *manager) SharedWait(p *config.Profile) (time.Duration, error) {
	login := m.LoginTimeout
	if login <= 0 {
		login = 30 * time.Second
	}
	least := fleet.DefaultLease + login
	w := p.Shared.WaitFor(least + sharedWaitMargin)
	if w < least {
		return 0, clierr.New(clierr.Usage, "profile %s: shared.wait %s is shorter than the renewal lock's lease (%s) plus the login timeout (%s, --timeout or SESAME_TIMEOUT): a renewer that dies would fail this host; set shared.wait to at least %s, or remove it (default %s)",
			p.Name, w, fleet.DefaultLease, login, least, least+sharedWaitMargin)
	}
	return w, nil
}

// sharedCall is what every operation on a shared profile starts from: the
// local store and item, the provider, the profile and its local record.
type sharedCall struct {
	st   credstore.Store
	key  string
	prov providers.Provider
	p    *config.Profile
	rec  *record
}

// fleetCall is a sharedCall with the fleet resolved: its store, the
// profile's origin and the wait bound.
type fleetCall struct {
	sharedCall
	fs   *fleet.Store
	org  string
	wait time.Duration
}

func (m *manager) fleetFor(p *config.Profile) (*fleet.Store, error) {
	if err := p.Shared.Check(p.Name); err != nil {
		return nil, err
	}
	if m.Fleet == nil {
		return nil, clierr.New(clierr.Store, "profile %s is shared, but this build has no fleet store", p.Name)
	}
	return m.Fleet(p)
}

func (m *manager) resolve(c sharedCall) (*fleetCall, error) {
	fs, err := m.fleetFor(c.p)
	if err != nil {
		return nil, err
	}
	wait, err := m.SharedWait(c.p)
	if err != nil {
		return nil, err
	}
	org, err := originOf(c.prov, c.p)
	if err != nil {
		return nil, err
	}
	return &fleetCall{sharedCall: c, fs: fs, org: org, wait: wait}, nil
}

// sharedGet is Get for a shared profile: a valid local copy as it is,
// else the fleet's session.
func (m *manager) sharedGet(ctx context.Context, c sharedCall, opts GetOptions) (*providers.Session, error) {
	if err := checkBound(c.prov, c.p, c.rec); err != nil {
		return nil, err
	}
	w := m.Windows(c.p)
	now := m.Now()
	if s := c.rec.Session; s != nil && !providers.Expired(c.prov, s, w, now, opts.MinValid) {
		due := !s.LastUsed.IsZero() && now.Sub(s.LastUsed) >= touchEvery
		m.touch(ctx, c.st, c.key, c.p, c.rec, now)
		if due {
			m.sharedTouch(ctx, c.prov, c.p, s, now)
		}
		return s, nil
	}
	return m.sharedFetch(ctx, fetch{sharedCall: c, mayRenew: !opts.NoRenew, fresh: func(s *providers.Session) bool {
		return !providers.Expired(c.prov, s, w, m.Now(), opts.MinValid)
	}})
}

// sharedRenew is Renew for a shared profile: any session other than the
// rejected one that is still valid will do.
func (m *manager) sharedRenew(ctx context.Context, c sharedCall, rejected string) (*providers.Session, error) {
	rec, err := load(c.st, c.key, c.p)
	if err != nil {
		return nil, err
	}
	if err := checkBound(c.prov, c.p, rec); err != nil {
		return nil, err
	}
	c.rec = rec
	w := m.Windows(c.p)
	return m.sharedFetch(ctx, fetch{sharedCall: c, mayRenew: true, fresh: func(s *providers.Session) bool {
		return s.Token != rejected && !providers.Expired(c.prov, s, w, m.Now(), 0)
	}})
}

// fetch is one fetch of the fleet's session.
type fetch struct {
	sharedCall
	// mayRenew is false for --no-renew.
	mayRenew bool
	// fresh says whether a session will do.
	fresh func(*providers.Session) bool
}

// sharedFetch gets a fresh session from the fleet store in one of three
// modes, and keeps a local copy:
//   - no-renew: one read; an expired or missing session is exit 4;
//   - consumer: wait for a renewer to write a fresh one (exit 4 when none
//     does within the wait);
//   - renewer: renew under the fleet's lock (one login for the fleet).
//
// A session with an older fence than this host has seen is never served.
func (m *manager) sharedFetch(ctx context.Context, f fetch) (*providers.Session, error) {
	fc, err := m.resolve(f.sharedCall)
	if err != nil {
		return nil, err
	}
	p := f.p
	freshData := func(b []byte) bool {
		s := decodeShared(b, p)
		return s != nil && f.fresh(s)
	}
	var it *fleet.Item
	switch {
	case !f.mayRenew:
		it, err = m.fetchNoRenew(ctx, fc, freshData)
	case p.Shared.Consumer():
		it, err = m.fetchConsumer(ctx, fc, freshData)
	default:
		it, err = m.fetchRenewer(ctx, fc, freshData)
	}
	if err != nil {
		if errors.Is(err, fleet.ErrUnavailable) && f.mayRenew && p.Shared.LocalFallback() && f.rec.Secret != "" {
			if m.Warn != nil {
				fmt.Fprintf(m.Warn, "sesame: warning: the fleet store is unavailable; renewing profile %s on this host (fallback: local)\n", p.Name)
			}
			return m.renew(ctx, f.st, f.key, f.prov, p, "", func(r *record) bool { return r.Session != nil && f.fresh(r.Session) })
		}
		if errors.Is(err, fleet.ErrUnavailable) {
			return nil, fmt.Errorf("profile %s: the local copy of the session is missing or expired, and the %w; with shared.fallback: local this host renews on its own meanwhile", p.Name, err)
		}
		return nil, err
	}
	s := decodeShared(it.Data, p)
	if s == nil {
		return nil, clierr.New(clierr.Store, "%s: the shared session of profile %s is unreadable (from another version or provider)", fc.fs.Name(), p.Name)
	}
	m.keepLocalCopy(fc, s, it.Fence)
	return s, nil
}

func (m *manager) fetchNoRenew(ctx context.Context, fc *fleetCall, fresh func([]byte) bool) (*fleet.Item, error) {
	it, err := fc.fs.Session(ctx, fc.p.Name, fc.org)
	if err == nil && it.Fence < fc.rec.Fence {
		return nil, olderFence(fc, it)
	}
	if errors.Is(err, fleet.ErrNotFound) || (err == nil && !fresh(it.Data)) {
		return nil, clierr.New(clierr.NoSession, "the shared session of profile %s has expired (--no-renew given); renew it with: sesame token show %s", fc.p.Name, fc.p.Name)
	}
	return it, err
}

func (m *manager) fetchConsumer(ctx context.Context, fc *fleetCall, fresh func([]byte) bool) (*fleet.Item, error) {
	wctx, cancel := context.WithTimeout(ctx, fc.wait)
	defer cancel()
	it, err := fc.fs.WaitFresh(wctx, fc.p.Name, fc.org, fresh, fc.rec.Fence, 0)
	switch {
	case errors.Is(err, fleet.ErrOlderFence):
		return nil, olderFence(fc, it)
	case clierr.Code(err) == clierr.NoSession:
		return nil, clierr.New(clierr.NoSession, "no fresh shared session of profile %s after %s: this host is a consumer and no renewer renewed it (run `sesame fleet keep-warm %s` on a renewer host)", fc.p.Name, fc.wait, fc.p.Name)
	}
	return it, err
}

// olderFence refuses a stored session older than one this host has
// already seen: a replayed record, or one written back after a roll-back.
func olderFence(fc *fleetCall, it *fleet.Item) error {
	got := int64(0)
	if it != nil {
		got = it.Fence
	}
	return clierr.New(clierr.Store, "%s: the shared session of profile %s carries fence %d, older than fence %d this host has already seen (replayed or rolled back); nothing was served. A renewer host replaces it with its next renewal", fc.fs.Name(), fc.p.Name, got, fc.rec.Fence)
}

func (m *manager) fetchRenewer(ctx context.Context, fc *fleetCall, fresh func([]byte) bool) (*fleet.Item, error) {
	var secret string
	return fc.fs.Renew(ctx, fleet.Renewal{
		Profile: fc.p.Name, Origin: fc.org, Fresh: fresh, Floor: fc.rec.Fence, Wait: fc.wait,
		Login: func(ctx context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			s, used, err := m.sharedLogin(ctx, fc, l)
			if err != nil {
				return nil, 0, err
			}
			secret = used
			data, err := json.Marshal(s)
			return data, 0, err
		},
		// The secret this login used goes back to a fleet that lost it.
		Secret: func() []byte { return []byte(secret) },
	})
}

// sharedLogin is the one vendor login of the fleet, made under its lock:
// with the fleet's saved secret (so that `fleet put-secret` rotates it
// everywhere), else this host's own, after any rate-limit window another
// host has seen. A secret the vendor refuses is dropped where it came from
// (as the local manager drops a refused secret), so that the fleet does
// not send it again and again and lock the account. It returns the secret
// it logged in with, for the fleet to keep when it has none.
func (m *manager) sharedLogin(ctx context.Context, fc *fleetCall, l *fleet.Lock) (*providers.Session, string, error) {
	p, rec := fc.p, fc.rec
	secret, fromFleet := rec.Secret, false
	b, err := l.Secret()
	switch {
	case err == nil && len(b) > 0:
		secret, fromFleet = string(b), true
	case err == nil, errors.Is(err, fleet.ErrNotFound):
	default:
		return nil, "", err
	}
	if secret == "" {
		return nil, "", clierr.New(clierr.NoSession, "the shared session of profile %s has expired and there is %w in %s or on this host (and no other renewer wrote a session in time); save one: sesame fleet put-secret %s", p.Name, fleet.ErrNoSecret, fc.fs.Name(), p.Name)
	}
	if m.CheckSecret != nil {
		if err := m.CheckSecret(p); err != nil {
			return nil, "", err
		}
	}
	ctx, err = shareRateLimit(ctx, fc.fs, fc.org)
	if err != nil {
		return nil, "", err
	}
	s, err := m.login(ctx, p, secret)
	if err != nil {
		if clierr.Code(err) == clierr.Rejected {
			what := fc.prov.SecretName(mode(fc.prov, p))
			if fromFleet {
				_ = fc.fs.DeleteSecret(ctx, p.Name)
				return nil, "", fmt.Errorf("renewing the shared session of profile %s: %w; the fleet's saved %s was removed so that no host sends it again: sesame fleet put-secret %s", p.Name, err, what, p.Name)
			}
			rec.RefusedAt, rec.Secret = m.Now(), ""
			_ = m.save(fc.st, fc.key, rec)
		}
		return nil, "", fmt.Errorf("renewing the shared session of profile %s: %w", p.Name, err)
	}
	return s, secret, nil
}

// shareRateLimit makes the login under ctx wait out a rate-limit window
// another host has seen, and tell the fleet about any 429 it meets.
func shareRateLimit(ctx context.Context, fs *fleet.Store, org string) (context.Context, error) {
	reset, err := fs.RateLimit(ctx, org)
	if err != nil && !errors.Is(err, fleet.ErrNoPermission) {
		return ctx, err
	}
	return transport.WithRateShare(ctx, &transport.RateShare{
		NotBefore: reset,
		Seen:      func(r time.Time) { _ = fs.SetRateLimit(context.WithoutCancel(ctx), org, r) },
	}), nil
}

// keepLocalCopy caches a shared session in the local store, bound like a
// local login's, keeping the local secret and the highest fence this host
// has seen. A failure only costs a Redis read next time. A record without
// a secret is a pure cache and is written without fsync where the store
// allows (a crash that loses it, or leaves it empty, costs one Redis
// read); one with this host's password keeps the durable write.
func (m *manager) keepLocalCopy(fc *fleetCall, s *providers.Session, fence int64) {
	rec, err := load(fc.st, fc.key, fc.p)
	if err != nil || checkBound(fc.prov, fc.p, rec) != nil {
		rec = &record{}
	}
	if rec.Session != nil && rec.Session.Token == s.Token && !s.LastUsed.After(rec.Session.LastUsed) && rec.Fence >= fence {
		return
	}
	rec.Origin, rec.Account, rec.Mode = fc.org, fc.p.Username, mode(fc.prov, fc.p)
	rec.Session = s
	rec.Fence = max(rec.Fence, fence)
	if c, ok := fc.st.(credstore.CacheSetter); ok && rec.Secret == "" {
		// Nothing here exists only in this file: no fsync (about a
		// millisecond of a token show that fetched from Redis).
		rec.Version = recordVersion
		if data, err := marshal(rec); err == nil {
			_ = c.SetCache(fc.key, data)
		}
		return
	}
	_ = m.save(fc.st, fc.key, rec)
}

// sharedTouch carries an idle-expiring session's time of use to the fleet,
// at most once per touchEvery per host (when the local touch wrote), so
// that other hosts' copies do not idle out. It writes with the fence it
// read, so it can never replace a newer session.
func (m *manager) sharedTouch(ctx context.Context, prov providers.Provider, p *config.Profile, s *providers.Session, now time.Time) {
	fs, err := m.fleetFor(p)
	if err != nil || p.Shared.Consumer() {
		return
	}
	org, err := originOf(prov, p)
	if err != nil {
		return
	}
	it, err := fs.Session(ctx, p.Name, org)
	if err != nil {
		return
	}
	cur := decodeShared(it.Data, p)
	if cur == nil || cur.Token != s.Token || !now.After(cur.LastUsed) {
		return
	}
	cur.LastUsed = now
	if data, err := json.Marshal(cur); err == nil {
		_ = fs.PutSession(ctx, p.Name, org, it.Fence, data, 0)
	}
}

// sharedLoginOpts is one `login` of a shared profile.
type sharedLoginOpts struct {
	sharedCall
	org    string
	secret string
	save   bool
}

// loginShared is Login for a shared profile: it refuses to start when the
// fleet store is unavailable or holds items of another fleet key, logs in
// under the fleet's lock, and writes the session (and the secret, when
// save) to the fleet store and the local store.
func (m *manager) loginShared(ctx context.Context, o sharedLoginOpts) (*providers.Session, error) {
	p := o.p
	fs, err := m.fleetFor(p)
	if err != nil {
		return nil, err
	}
	wait, err := m.SharedWait(p)
	if err != nil {
		return nil, err
	}
	if err := fs.CheckKey(ctx, p.Name, o.org); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	l, err := fs.Lock(wctx, p.Name, 0, 0)
	cancel()
	if err != nil {
		return nil, err
	}
	defer func() { _ = l.Release() }()
	if ctx, err = shareRateLimit(ctx, fs, o.org); err != nil {
		return nil, err
	}
	s, err := m.login(ctx, p, o.secret)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := fs.PutSession(ctx, p.Name, o.org, l.Fence, data, 0); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the session in the fleet store: %w", err)
	}
	if o.save {
		if err := fs.PutSecret(ctx, p.Name, o.org, []byte(o.secret)); err != nil {
			return nil, fmt.Errorf("logged in, but could not store the secret in the fleet store: %w", err)
		}
	}
	rec := &record{Origin: o.org, Account: p.Username, Mode: mode(o.prov, p), Session: s, Fence: l.Fence}
	if o.save {
		rec.Secret = o.secret
	}
	if err := m.save(o.st, o.key, rec); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the local copy: %w", err)
	}
	return s, nil
}

// LogoutFleet removes a shared profile's session and saved secret from
// the fleet store (logout --fleet): every host then needs a new login, or
// `sesame fleet put-secret` and one renewal. A consumer's Redis user may
// not do it (exit 6, no permission).
func (m *manager) LogoutFleet(ctx context.Context, p *config.Profile) (store string, err error) {
	if p.Shared == nil {
		return "", clierr.New(clierr.Usage, "profile %s is not shared: --fleet is for profiles with a shared: block", p.Name)
	}
	fs, err := m.fleetFor(p)
	if err != nil {
		return "", err
	}
	if err := fs.DeleteSession(ctx, p.Name); err != nil {
		return fs.Name(), err
	}
	return fs.Name(), fs.DeleteSecret(ctx, p.Name)
}

// PutSharedSecret replaces a shared profile's saved secret in the fleet
// store (rotation in one place). Items sealed with another fleet key stop
// it before anything is written.
func (m *manager) PutSharedSecret(ctx context.Context, p *config.Profile, secret string) error {
	if p.Shared == nil {
		return clierr.New(clierr.Usage, "profile %s is not shared; log in with --shared URL, or add a shared: block to its config", p.Name)
	}
	fs, err := m.fleetFor(p)
	if err != nil {
		return err
	}
	prov, err := m.Provider(p.Provider)
	if err != nil {
		return err
	}
	org, err := originOf(prov, p)
	if err != nil {
		return err
	}
	if err := fs.CheckKey(ctx, p.Name, org); err != nil {
		return err
	}
	return fs.PutSecret(ctx, p.Name, org, []byte(secret))
}

// SharedStatus is what status and doctor show about a shared profile.
type SharedStatus struct {
	Store     string `json:"store"`
	Namespace string `json:"namespace"`
	Role      string `json:"role"`
	Fallback  string `json:"fallback"`
	// Err is why the store could not be read ("" when healthy).
	Err string `json:"error,omitempty"`
	// Session is "none", "valid", "expired" or "unreadable".
	Session  string        `json:"session"`
	Fence    int64         `json:"fence,omitempty"`
	By       string        `json:"renewed_by,omitempty"`
	At       time.Time     `json:"renewed_at,omitzero"`
	LockHeld bool          `json:"lock_held"`
	LockLeft time.Duration `json:"lock_left_ns,omitempty"`
	// Local is the local copy's state: "none", "valid" or "expired".
	Local string `json:"local_copy"`
}

// SharedStatus reads the fleet store's view of a shared profile.
func (m *manager) SharedStatus(ctx context.Context, p *config.Profile) (*SharedStatus, error) {
	if p.Shared == nil {
		return nil, nil
	}
	out := &SharedStatus{Namespace: p.Shared.Namespace, Role: p.Shared.Role, Fallback: p.Shared.Fallback, Session: "none", Local: "none"}
	if out.Role == "" {
		out.Role = config.RoleRenewer
	}
	if out.Fallback == "" {
		out.Fallback = config.FallbackFail
	}
	if out.Namespace == "" {
		out.Namespace = fleet.DefaultNamespace
	}
	out.Store = fleet.Redact(p.Shared.URL)
	prov, err := m.Provider(p.Provider)
	if err != nil {
		return nil, err
	}
	w := m.Windows(p)
	if st, err := m.Store(p); err == nil {
		if rec, err := load(st, m.key(p, st), p); err == nil && checkBound(prov, p, rec) == nil && rec.Session != nil {
			out.Local = "valid"
			if providers.Expired(prov, rec.Session, w, m.Now(), 0) {
				out.Local = "expired"
			}
		}
	}
	fs, err := m.fleetFor(p)
	if err != nil {
		out.Err = err.Error()
		return out, nil
	}
	org, err := originOf(prov, p)
	if err != nil {
		out.Err = err.Error()
		return out, nil
	}
	it, err := fs.Session(ctx, p.Name, org)
	switch {
	case errors.Is(err, fleet.ErrNotFound):
	case errors.Is(err, fleet.ErrWrongKey):
		out.Session = "unreadable"
		out.Err = err.Error()
	case err != nil:
		out.Err = err.Error()
		return out, nil
	default:
		// by is text from Redis: escaped like vendor text before anyone
		// prints it.
		out.Fence, out.By, out.At = it.Fence, redact.Text(it.By), it.At
		out.Session = "valid"
		if s := decodeShared(it.Data, p); s == nil || providers.Expired(prov, s, w, m.Now(), 0) {
			out.Session = "expired"
		}
	}
	if ls, err := fs.LockState(ctx, p.Name); err == nil {
		out.LockHeld, out.LockLeft = ls.Held, ls.Left
	}
	return out, nil
}
