// Package session is the one place that turns a profile into a live session:
// it loads the stored record, checks expiry, takes the per-profile lock,
// renews with the saved secret, and saves the result. Commands ask it for a
// session and never talk to a provider or a store themselves.
//
// Many sesame processes renewing the same profile at once make one login
// between them: the renewal happens under a lock file per profile (go-internal
// lockedfile, released by the OS if its holder dies), and each waiter reads
// the store again after taking the lock before deciding to log in.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers"
)

// recordVersion is the version of the stored record's JSON shape.
const recordVersion = 1

// touchEvery is how stale LastUsed may get before Get writes it back. Idle
// expiry (AMS) needs it; writing on every call would cost a keychain write
// per `token show`.
const touchEvery = time.Minute

// Record is what the store keeps for a profile: the session and, unless the
// user opted out, the secret that renews it. One item per profile.
type Record struct {
	Version int                `json:"v"`
	Session *providers.Session `json:"session,omitempty"`
	Secret  string             `json:"secret,omitempty"`
}

// Manager hands out sessions for profiles.
type Manager struct {
	// Store returns the credential store a profile uses.
	Store func(p *config.Profile) (credstore.Store, error)
	// Provider looks up a provider by name.
	Provider func(name string) (providers.Provider, error)
	// Env is what providers log in with.
	Env func() (*providers.Env, error)
	// Windows are the renewal windows for a profile.
	Windows func(p *config.Profile) providers.Windows
	// LockDir holds one lock file per profile.
	LockDir string
	// Now is the clock.
	Now func() time.Time
}

// GetOptions tune Get.
type GetOptions struct {
	NoRenew  bool          // fail (exit 4) instead of renewing
	MinValid time.Duration // renew when the session ends sooner than this
}

// Load reads a profile's record; a profile with nothing stored gives an
// empty record and no error.
func (m *Manager) Load(p *config.Profile) (*Record, error) {
	st, err := m.Store(p)
	if err != nil {
		return nil, err
	}
	return load(st, p)
}

func load(st credstore.Store, p *config.Profile) (*Record, error) {
	data, err := st.Get(p.Name)
	if errors.Is(err, credstore.ErrNotFound) {
		return &Record{}, nil
	}
	if err != nil {
		return nil, clierr.Wrap(clierr.Store, err)
	}
	rec := &Record{}
	if err := json.Unmarshal(data, rec); err != nil || rec.Version != recordVersion || (rec.Session != nil && rec.Session.Provider != p.Provider) {
		return nil, clierr.New(clierr.Store, "the stored session of profile %s is unreadable (corrupt or from another version); run: sesame logout %s, then log in again", p.Name, p.Name)
	}
	return rec, nil
}

func (m *Manager) save(st credstore.Store, p *config.Profile, rec *Record) error {
	rec.Version = recordVersion
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := st.Set(p.Name, data); err != nil {
		return clierr.Wrap(clierr.Store, err)
	}
	return nil
}

// Login logs in with secret and stores the session (and the secret, when
// save is true). A failed login leaves the store as it was.
func (m *Manager) Login(ctx context.Context, p *config.Profile, secret string, save bool) (*providers.Session, error) {
	st, err := m.Store(p)
	if err != nil {
		return nil, err
	}
	unlock, err := m.lock(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, err := m.login(ctx, p, secret)
	if err != nil {
		return nil, err
	}
	rec := &Record{Session: s}
	if save {
		rec.Secret = secret
	}
	if err := m.save(st, p, rec); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the session: %w", err)
	}
	return s, nil
}

func (m *Manager) login(ctx context.Context, p *config.Profile, secret string) (*providers.Session, error) {
	prov, err := m.Provider(p.Provider)
	if err != nil {
		return nil, err
	}
	env, err := m.Env()
	if err != nil {
		return nil, err
	}
	s, err := prov.Login(ctx, env, p, secret)
	if err != nil {
		return nil, err
	}
	if s == nil || s.Token == "" {
		return nil, clierr.New(clierr.Network, "%s login returned no session", p.Provider)
	}
	return s, nil
}

// Get returns a usable session for p: the stored one while it is valid, else
// a renewed one (unless opts.NoRenew). Errors: exit 4 when there is no
// session or it cannot be renewed, exit 6 for store failures, and the
// provider's own errors for a failed renewal.
func (m *Manager) Get(ctx context.Context, p *config.Profile, opts GetOptions) (*providers.Session, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	rec, err := load(st, p)
	if err != nil {
		return nil, err
	}
	if rec.Session == nil {
		return nil, clierr.New(clierr.NoSession, "profile %s has no session; log in: %s", p.Name, LoginHint(p))
	}
	now := m.Now()
	w := m.Windows(p)
	if !providers.Expired(prov, rec.Session, w, now, opts.MinValid) {
		m.touch(st, p, rec, now)
		return rec.Session, nil
	}
	if opts.NoRenew {
		return nil, clierr.New(clierr.NoSession, "the session of profile %s has expired (--no-renew given); renew it with: sesame token show %s, or log in: %s", p.Name, p.Name, LoginHint(p))
	}
	return m.renew(ctx, st, p, func(r *Record) bool {
		return r.Session != nil && !providers.Expired(prov, r.Session, w, m.Now(), opts.MinValid)
	})
}

// Renew replaces a session that the server rejected (rejected is the token
// it refused). When another process already renewed it, that session is
// returned without a new login.
func (m *Manager) Renew(ctx context.Context, p *config.Profile, rejected string) (*providers.Session, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	w := m.Windows(p)
	return m.renew(ctx, st, p, func(r *Record) bool {
		return r.Session != nil && r.Session.Token != rejected && !providers.Expired(prov, r.Session, w, m.Now(), 0)
	})
}

// parts are the store and the provider a profile uses.
func (m *Manager) parts(p *config.Profile) (credstore.Store, providers.Provider, error) {
	st, err := m.Store(p)
	if err != nil {
		return nil, nil, err
	}
	prov, err := m.Provider(p.Provider)
	if err != nil {
		return nil, nil, err
	}
	return st, prov, nil
}

// renew logs in again under the profile's lock, unless fresh says the record
// read after taking the lock is already good (another process renewed it).
func (m *Manager) renew(ctx context.Context, st credstore.Store, p *config.Profile, fresh func(*Record) bool) (*providers.Session, error) {
	unlock, err := m.lock(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, err := load(st, p)
	if err != nil {
		return nil, err
	}
	if fresh(rec) {
		return rec.Session, nil
	}
	if rec.Secret == "" {
		return nil, clierr.New(clierr.NoSession, "the session of profile %s has expired and no secret is saved to renew it (logged in with --no-save-secret, or logged out); log in again: %s", p.Name, LoginHint(p))
	}
	s, err := m.login(ctx, p, rec.Secret)
	if err != nil {
		return nil, fmt.Errorf("renewing the session of profile %s: %w", p.Name, err)
	}
	rec.Session = s
	if err := m.save(st, p, rec); err != nil {
		return nil, err
	}
	return s, nil
}

// touch records the time of use for idle-expiring sessions, at most once per
// touchEvery. It re-reads under the lock so that it never writes an old
// session over one another process just renewed. A failure here is not
// worth failing the command.
func (m *Manager) touch(st credstore.Store, p *config.Profile, rec *Record, now time.Time) {
	s := rec.Session
	if s.LastUsed.IsZero() || now.Sub(s.LastUsed) < touchEvery {
		return
	}
	unlock, err := m.lock(p)
	if err != nil {
		return
	}
	defer unlock()
	cur, err := load(st, p)
	if err != nil || cur.Session == nil || cur.Session.Token != s.Token {
		return
	}
	cur.Session.LastUsed = now
	_ = m.save(st, p, cur)
}

// Logout removes the profile's session and secret from its store.
func (m *Manager) Logout(p *config.Profile) error {
	st, err := m.Store(p)
	if err != nil {
		return err
	}
	if err := st.Delete(p.Name); err != nil {
		return clierr.Wrap(clierr.Store, err)
	}
	return nil
}

func (m *Manager) lock(p *config.Profile) (func(), error) {
	if err := os.MkdirAll(m.LockDir, 0o700); err != nil {
		return nil, clierr.New(clierr.Store, "creating lock folder: %w", err)
	}
	unlock, err := lockedfile.MutexAt(filepath.Join(m.LockDir, p.Name+".lock")).Lock()
	if err != nil {
		return nil, clierr.New(clierr.Store, "locking profile %s: %w", p.Name, err)
	}
	return unlock, nil
}

// LoginHint is the command that logs a profile in again.
func LoginHint(p *config.Profile) string {
	return fmt.Sprintf("sesame login %s -p %s", p.Provider, p.Name)
}
