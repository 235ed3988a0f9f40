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
	"github.com/sesame-cli/sesame/internal/transport"
)

func decodeShared(data []byte, p *config.Profile) *providers.Session {
	s := &providers.Session{}
	if json.Unmarshal(data, s) != nil || s.Token == "" || s.Provider != p.Provider {
		return nil
	}
	return s
}

func (m *Manager) fleetFor(p *config.Profile) (*fleet.Store, error) {
	if err := p.Shared.Check(p.Name); err != nil {
		return nil, err
	}
	if m.Fleet == nil {
		return nil, clierr.New(clierr.Store, "profile %s is shared, but this build has no fleet store", p.Name)
	}
	return m.Fleet(p)
}

// sharedGet is Get for a shared profile.
func (m *Manager) sharedGet(ctx context.Context, st credstore.Store, key string, prov providers.Provider, p *config.Profile, rec *Record, opts GetOptions) (*providers.Session, error) {
	if err := checkBound(prov, p, rec); err != nil {
		return nil, err
	}
	w := m.Windows(p)
	now := m.Now()
	if rec.Session != nil && !providers.Expired(prov, rec.Session, w, now, opts.MinValid) {
		due := !rec.Session.LastUsed.IsZero() && now.Sub(rec.Session.LastUsed) >= touchEvery
		m.touch(ctx, st, key, p, rec, now)
		if due {
			m.sharedTouch(ctx, prov, p, rec.Session, now)
		}
		return rec.Session, nil
	}
	return m.sharedFetch(ctx, st, key, prov, p, rec, !opts.NoRenew, func(s *providers.Session) bool {
		return !providers.Expired(prov, s, w, m.Now(), opts.MinValid)
	})
}

// sharedRenew is Renew for a shared profile: any session other than the
// rejected one that is still valid will do.
func (m *Manager) sharedRenew(ctx context.Context, st credstore.Store, key string, prov providers.Provider, p *config.Profile, rejected string) (*providers.Session, error) {
	rec, err := load(st, key, p)
	if err != nil {
		return nil, err
	}
	if err := checkBound(prov, p, rec); err != nil {
		return nil, err
	}
	w := m.Windows(p)
	return m.sharedFetch(ctx, st, key, prov, p, rec, true, func(s *providers.Session) bool {
		return s.Token != rejected && !providers.Expired(prov, s, w, m.Now(), 0)
	})
}

// sharedFetch gets a fresh session from the fleet store (renewing it there
// when allowed and this host is a renewer) and keeps a local copy.
func (m *Manager) sharedFetch(ctx context.Context, st credstore.Store, key string, prov providers.Provider, p *config.Profile, rec *Record, mayRenew bool, fresh func(*providers.Session) bool) (*providers.Session, error) {
	fs, err := m.fleetFor(p)
	if err != nil {
		return nil, err
	}
	org, err := Origin(prov, p)
	if err != nil {
		return nil, err
	}
	freshData := func(b []byte) bool {
		s := decodeShared(b, p)
		return s != nil && fresh(s)
	}
	var it *fleet.Item
	switch {
	case !mayRenew:
		it, err = fs.Session(ctx, p.Name, org)
		if errors.Is(err, fleet.ErrNotFound) || (err == nil && !freshData(it.Data)) {
			return nil, clierr.New(clierr.NoSession, "the shared session of profile %s has expired (--no-renew given); renew it with: sesame token show %s", p.Name, p.Name)
		}
	case p.Shared.Consumer():
		wctx, cancel := context.WithTimeout(ctx, p.Shared.WaitFor())
		it, err = fs.WaitFresh(wctx, p.Name, org, freshData, 0)
		cancel()
		if clierr.Code(err) == clierr.NoSession {
			return nil, clierr.New(clierr.NoSession, "no fresh shared session of profile %s after %s: this host is a consumer and no renewer renewed it (run `sesame fleet keep-warm %s` on a renewer host)", p.Name, p.Shared.WaitFor(), p.Name)
		}
	default:
		it, err = fs.Renew(ctx, fleet.Renewal{
			Profile: p.Name, Origin: org, Fresh: freshData, Wait: p.Shared.WaitFor(),
			Login: func(ctx context.Context, _ int64) ([]byte, time.Duration, error) {
				s, err := m.sharedLogin(ctx, fs, st, key, prov, p, org, rec)
				if err != nil {
					return nil, 0, err
				}
				data, err := json.Marshal(s)
				return data, 0, err
			},
		})
	}
	if err != nil {
		if errors.Is(err, fleet.ErrUnavailable) && mayRenew && p.Shared.LocalFallback() && rec.Secret != "" {
			if m.Warn != nil {
				fmt.Fprintf(m.Warn, "sesame: warning: the fleet store is unavailable; renewing profile %s on this host (fallback: local)\n", p.Name)
			}
			return m.renew(ctx, st, key, prov, p, "", func(r *Record) bool { return r.Session != nil && fresh(r.Session) })
		}
		if errors.Is(err, fleet.ErrUnavailable) {
			return nil, fmt.Errorf("profile %s: the local copy of the session is missing or expired, and the %w; with shared.fallback: local this host renews on its own meanwhile", p.Name, err)
		}
		return nil, err
	}
	s := decodeShared(it.Data, p)
	if s == nil {
		return nil, clierr.New(clierr.Store, "%s: the shared session of profile %s is unreadable (from another version or provider)", fs.Name(), p.Name)
	}
	m.keepLocalCopy(st, key, prov, p, org, s)
	return s, nil
}

// sharedLogin is the one vendor login of the fleet, made under its lock:
// with the fleet's saved secret (so that `fleet put-secret` rotates it
// everywhere), else this host's own, after any rate-limit window another
// host has seen. A secret the vendor refuses is dropped where it came from
// (as the local manager drops a refused secret), so that the fleet does
// not send it again and again and lock the account.
func (m *Manager) sharedLogin(ctx context.Context, fs *fleet.Store, st credstore.Store, key string, prov providers.Provider, p *config.Profile, org string, rec *Record) (*providers.Session, error) {
	secret, fromFleet := rec.Secret, false
	b, err := fs.Secret(ctx, p.Name, org)
	switch {
	case err == nil && len(b) > 0:
		secret, fromFleet = string(b), true
	case err == nil, errors.Is(err, fleet.ErrNotFound), errors.Is(err, fleet.ErrNoPermission):
	default:
		return nil, err
	}
	if secret == "" {
		return nil, clierr.New(clierr.NoSession, "the shared session of profile %s has expired and no secret is saved in %s or on this host; save one: sesame fleet put-secret %s", p.Name, fs.Name(), p.Name)
	}
	if m.CheckSecret != nil {
		if err := m.CheckSecret(p); err != nil {
			return nil, err
		}
	}
	ctx, err = shareRateLimit(ctx, fs, org)
	if err != nil {
		return nil, err
	}
	s, err := m.login(ctx, p, secret)
	if err != nil {
		if clierr.Code(err) == clierr.Rejected {
			what := prov.SecretName(mode(prov, p))
			if fromFleet {
				_ = fs.DeleteSecret(ctx, p.Name)
				return nil, fmt.Errorf("renewing the shared session of profile %s: %w; the fleet's saved %s was removed so that no host sends it again: sesame fleet put-secret %s", p.Name, err, what, p.Name)
			}
			rec.RefusedAt, rec.Secret = m.Now(), ""
			_ = m.save(st, key, rec)
		}
		return nil, fmt.Errorf("renewing the shared session of profile %s: %w", p.Name, err)
	}
	return s, nil
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
// local login's, keeping the local secret. A failure only costs a Redis
// read next time.
func (m *Manager) keepLocalCopy(st credstore.Store, key string, prov providers.Provider, p *config.Profile, org string, s *providers.Session) {
	rec, err := load(st, key, p)
	if err != nil || checkBound(prov, p, rec) != nil {
		rec = &Record{}
	}
	if rec.Session != nil && rec.Session.Token == s.Token && !s.LastUsed.After(rec.Session.LastUsed) {
		return
	}
	rec.Origin, rec.Account, rec.Mode = org, p.Username, mode(prov, p)
	rec.Session = s
	_ = m.save(st, key, rec)
}

// sharedTouch carries an idle-expiring session's time of use to the fleet,
// at most once per touchEvery per host (when the local touch wrote), so
// that other hosts' copies do not idle out. It writes with the fence it
// read, so it can never replace a newer session.
func (m *Manager) sharedTouch(ctx context.Context, prov providers.Provider, p *config.Profile, s *providers.Session, now time.Time) {
	fs, err := m.fleetFor(p)
	if err != nil || p.Shared.Consumer() {
		return
	}
	org, err := Origin(prov, p)
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

// loginShared is Login for a shared profile: it refuses to start when the
// fleet store is unavailable or holds items of another fleet key, logs in
// under the fleet's lock, and writes the session (and the secret, when
// save) to the fleet store and the local store.
func (m *Manager) loginShared(ctx context.Context, st credstore.Store, key string, prov providers.Provider, p *config.Profile, org, secret string, save bool) (*providers.Session, error) {
	fs, err := m.fleetFor(p)
	if err != nil {
		return nil, err
	}
	if err := fs.CheckKey(ctx, p.Name, org); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, p.Shared.WaitFor())
	l, err := fs.Lock(wctx, p.Name, 0, 0)
	cancel()
	if err != nil {
		return nil, err
	}
	defer func() { _ = l.Release() }()
	if ctx, err = shareRateLimit(ctx, fs, org); err != nil {
		return nil, err
	}
	s, err := m.login(ctx, p, secret)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := fs.PutSession(ctx, p.Name, org, l.Fence, data, 0); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the session in the fleet store: %w", err)
	}
	if save {
		if err := fs.PutSecret(ctx, p.Name, org, []byte(secret)); err != nil {
			return nil, fmt.Errorf("logged in, but could not store the secret in the fleet store: %w", err)
		}
	}
	rec := &Record{Origin: org, Account: p.Username, Mode: mode(prov, p), Session: s}
	if save {
		rec.Secret = secret
	}
	if err := m.save(st, key, rec); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the local copy: %w", err)
	}
	return s, nil
}

// PutSharedSecret replaces a shared profile's saved secret in the fleet
// store (rotation in one place). Items sealed with another fleet key stop
// it before anything is written.
func (m *Manager) PutSharedSecret(ctx context.Context, p *config.Profile, secret string) error {
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
	org, err := Origin(prov, p)
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
func (m *Manager) SharedStatus(ctx context.Context, p *config.Profile) (*SharedStatus, error) {
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
	org, err := Origin(prov, p)
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
		out.Fence, out.By, out.At = it.Fence, it.By, it.At
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
