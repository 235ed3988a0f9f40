// Package session is the only door to a credential. Data flows one way:
//
//	cmd → session → {providers, credstore, transport, fleet, ratelimit, authproxy}
//
// Commands hold a *Service (service.go, built lazily by New in world.go:
// config, stores, HTTP client, manager) and speak to it in its own types:
// Resolve picks a profile; Live hands out a usable session with its
// provider, origin and windows resolved once (Live.Headers, BaseURL,
// ValidUntil); Login (login.go) merges the flags into the profile, checks
// the store, logs in and saves the config; Logout/Forget, Status, the
// fleet's LogoutFleet, PutSharedSecret, SharedStatus, KeepWarm and
// SaveFleetItem; and Proxy (proxy.go) builds the authenticating proxy.
// Nothing is re-exported from the packages below as an alias: a command
// imports no provider, store or transport, and never holds the manager or
// a saved secret.
//
// session owns authproxy, not the other way: authproxy declares the small
// Sessions interface it needs (Get, Renew with the call that was refused)
// and never imports session; Service.Proxy fills in provider, sessions,
// HTTP client, windows, clock and rate budget once and hands them in.
//
// Behind the Service, the unexported manager loads the stored record,
// checks expiry, takes the per-profile lock, renews with the saved secret,
// and saves the result; shared profiles go through the fleet store
// (shared.go); policy.go holds the one store-choice table and the expiry
// windows.
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
	"io"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/providers"
)

// recordVersion is the version of the stored record's JSON shape. Version
// 2 binds the record to the origin, account and mode it was issued for;
// version 1 records are still read, and refused (see checkBound).
const recordVersion = 2

// touchEvery is how stale LastUsed may get before Get writes it back. Idle
// expiry (AMS) needs it; writing on every call would cost a keychain write
// per `token show`.
const touchEvery = time.Minute

// record is what the store keeps for a profile: the session and, unless the
// user opted out, the secret that renews it. One item per profile and
// config file (manager.Key).
type record struct {
	Version int `json:"v"`
	// Origin (scheme://host:port of the API base), Account (user name or
	// key id) and Mode are what the session and secret were issued for.
	// Neither is ever sent to another origin or for another account: a
	// config file edited after login makes sesame refuse, not follow.
	Origin  string             `json:"origin,omitempty"`
	Account string             `json:"account,omitempty"`
	Mode    string             `json:"mode,omitempty"`
	Session *providers.Session `json:"session,omitempty"`
	Secret  string             `json:"secret,omitempty"`
	// RefusedAt is when the vendor refused the saved secret at a renewal.
	// The secret is dropped then, and until a new login every renewal
	// fails at once instead of trying again (and locking the account).
	RefusedAt time.Time `json:"refused_at,omitzero"`
	// Rejected is what the vendor said when it ended Session before its
	// time (HTTP 401 on use, AMS's rpc exception): when, and to which
	// call. A rejected session is never handed out again; nil while the
	// vendor has not refused it. A new session clears it.
	Rejected *Rejection `json:"rejected,omitempty"`
	// LongestLife is the longest session (issue to end) a login of this
	// profile has returned, so that --min-valid is judged against what the
	// vendor gives rather than against one short token.
	LongestLife time.Duration `json:"longest_life,omitempty"`
	// Fence (shared profiles) is the highest fleet fence this host has
	// seen: a fleet record older than it is never served (a replay).
	Fence int64 `json:"fence,omitempty"`
	// Raw names the fields whose stored value is the base64 of bytes that
	// are not UTF-8: a JSON string cannot hold them, and encoding/json
	// would turn them into U+FFFD. Empty in a record handed out.
	Raw []string `json:"raw,omitempty"`
}

// Rejection is the vendor's refusal of a session in use.
type Rejection struct {
	At time.Time `json:"at"`
	// By is the call whose answer said so: "GET /TDWebApi/api/…", without
	// the query; "" when it is not known.
	By string `json:"by,omitempty"`
}

// callKey carries the call a renewal is for (withCall).
type callKey struct{}

// withCall names the request (method and path, no query) whose answer made
// the caller ask for a renewal, so that a session the vendor ended records
// by which call. authproxy hands the call to Renew (proxySessions), which
// puts it here for renew to read.
func withCall(ctx context.Context, call string) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

func callOf(ctx context.Context) string {
	s, _ := ctx.Value(callKey{}).(string)
	return s
}

// manager hands out sessions for profiles.
type manager struct {
	// Store returns the credential store a profile uses.
	Store func(p *config.Profile) (credstore.Store, error)
	// Key names a profile's item in st, and its lock; nil means the profile
	// name. It must differ between config files (config.StoreKey).
	Key func(p *config.Profile, st credstore.Store) string
	// CheckSecret is asked before a saved secret is sent to the vendor
	// (renewal); its error stops the renewal. nil means no check.
	CheckSecret func(p *config.Profile) error
	// Provider looks up a provider by name.
	Provider func(name string) (providers.Provider, error)
	// Env is what providers log in with.
	Env func() (*providers.Env, error)
	// Windows are the renewal windows for a profile.
	Windows func(p *config.Profile) providers.Windows
	// LockDir holds one lock file per profile.
	LockDir string
	// LockWait bounds the wait for another process's renewal of the same
	// profile; 0 means defaultLockWait.
	LockWait time.Duration
	// LoginTimeout is the timeout of a vendor login's requests (--timeout),
	// part of a shared profile's least wait (SharedWait); 0 means 30s.
	LoginTimeout time.Duration
	// Now is the clock.
	Now func() time.Time
	// Fleet opens a shared profile's fleet store (shared.go); Warn takes
	// one-line warnings for people (stderr), nil for none.
	Fleet func(p *config.Profile) (*fleet.Store, error)
	Warn  io.Writer
}

// defaultLockWait is how long a renewal waits for another process's
// renewal of the same profile when manager.LockWait is not set.
const defaultLockWait = 4 * time.Minute

// GetOptions tune Get.
type GetOptions struct {
	NoRenew  bool          // fail (exit 4) instead of renewing
	MinValid time.Duration // renew when the session ends sooner than this
}

// Load reads a profile's record; a profile with nothing stored gives an
// empty record and no error. A record bound to another origin or account
// than the profile now names is an error (exit 4), as for Get.
func (m *manager) Load(p *config.Profile) (*record, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	rec, err := load(st, m.key(p, st), p)
	if err != nil {
		return nil, err
	}
	if err := checkBound(prov, p, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func (m *manager) key(p *config.Profile, st credstore.Store) string {
	if m.Key == nil {
		return p.Name
	}
	return m.Key(p, st)
}

func load(st credstore.Store, key string, p *config.Profile) (*record, error) {
	data, err := st.Get(key)
	if errors.Is(err, credstore.ErrNotFound) {
		return &record{}, nil
	}
	if err != nil {
		return nil, clierr.Wrap(clierr.Store, err)
	}
	if len(data) == 0 && p.Shared != nil {
		// Only a cache write cut by a crash leaves a shared profile's
		// item empty (credstore.CacheSetter): nothing stored.
		return &record{}, nil
	}
	rec := &record{}
	if err := json.Unmarshal(data, rec); err != nil || (rec.Version != 1 && rec.Version != recordVersion) ||
		(rec.Session != nil && rec.Session.Provider != p.Provider) || rec.decodeRaw() != nil {
		return nil, clierr.New(clierr.Store, "the stored session of profile %s is unreadable (corrupt or from another version); run: sesame logout %s, then log in again", p.Name, p.Name)
	}
	return rec, nil
}

func (m *manager) save(st credstore.Store, key string, rec *record) error {
	rec.Version = recordVersion
	data, err := marshal(rec)
	if err != nil {
		return err
	}
	if err := st.Set(key, data); err != nil {
		return clierr.Wrap(clierr.Store, err)
	}
	return nil
}

// originOf is the origin (scheme://host:port, lower case, port explicit) of
// the profile's API base: the one place its session and secret may go.
func originOf(prov providers.Provider, p *config.Profile) (string, error) {
	base, err := prov.BaseURL(p)
	if err != nil {
		return "", err
	}
	o := origin.Of(base)
	if o == "" {
		return "", clierr.New(clierr.Usage, "profile %s: invalid URL", p.Name)
	}
	return o, nil
}

func mode(prov providers.Provider, p *config.Profile) string { return providers.ModeOf(prov, p) }

// checkBound refuses (exit 4) a record that holds a session or a secret
// issued for another origin, account or mode than the profile now names,
// and a version-1 record, which does not say what it was issued for: the
// config file may have been edited since login, and sesame does not guess.
func checkBound(prov providers.Provider, p *config.Profile, rec *record) error {
	if rec.Session == nil && rec.Secret == "" {
		return nil
	}
	if rec.Origin == "" {
		return clierr.New(clierr.NoSession, "the stored session of profile %s was saved by an older sesame that did not record which instance and account it was issued for, so sesame will not send it, nor its saved secret; log in again: %s", p.Name, loginHint(p))
	}
	origin, err := originOf(prov, p)
	if err != nil {
		return err
	}
	switch {
	case origin != rec.Origin:
		return clierr.New(clierr.NoSession, "the session of profile %s was issued for %s, but the profile now points at %s (its url changed since login); sesame will not send that session or its saved secret anywhere else. If the new address is right, log in to it: %s",
			p.Name, rec.Origin, origin, loginHint(p))
	case p.Username != rec.Account:
		return clierr.New(clierr.NoSession, "the session of profile %s was issued for account %q, but the profile now names %q (changed since login); sesame will not use that session or its saved secret for another account. Log in as %q: %s",
			p.Name, rec.Account, p.Username, p.Username, loginHint(p))
	case mode(prov, p) != rec.Mode:
		return clierr.New(clierr.NoSession, "the session of profile %s was issued in %s mode, but the profile now says %s mode (changed since login); log in again: %s",
			p.Name, rec.Mode, mode(prov, p), loginHint(p))
	}
	return nil
}

// Login logs in with secret and stores the session (and the secret, when
// save is true), bound to the profile's origin, account and mode. A failed
// login leaves the store as it was. The store is read before the vendor is
// contacted, so that a store that cannot keep the session (a keychain that
// is not there) does not cost a login.
func (m *manager) Login(ctx context.Context, p *config.Profile, secret string, save bool) (*providers.Session, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	origin, err := originOf(prov, p)
	if err != nil {
		return nil, err
	}
	key := m.key(p, st)
	if err := checkStore(st, key); err != nil {
		return nil, err
	}
	if p.Shared != nil {
		return m.loginShared(ctx, sharedLoginOpts{sharedCall: sharedCall{st: st, key: key, prov: prov, p: p}, org: origin, secret: secret, save: save})
	}
	unlock, err := m.lock(ctx, p, key)
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, err := m.login(ctx, p, secret)
	if err != nil {
		return nil, err
	}
	rec := &record{Origin: origin, Account: p.Username, Mode: mode(prov, p), Session: s}
	if old, err := load(st, key, p); err == nil && old.Origin == origin && old.Account == p.Username {
		rec.LongestLife = old.LongestLife
	}
	rec.learn(prov, m.Windows(p))
	if save {
		rec.Secret = secret
	}
	if err := m.save(st, key, rec); err != nil {
		return nil, fmt.Errorf("logged in, but could not store the session: %w", err)
	}
	return s, nil
}

// CheckStore reads the profile's item once, so that a store that cannot be
// used (no keychain) fails before a secret is asked for or a vendor is
// contacted. Nothing stored is fine.
func (m *manager) CheckStore(p *config.Profile) error {
	st, err := m.Store(p)
	if err != nil {
		return err
	}
	return checkStore(st, m.key(p, st))
}

func checkStore(st credstore.Store, key string) error {
	if _, err := st.Get(key); err != nil && !errors.Is(err, credstore.ErrNotFound) {
		return clierr.Wrap(clierr.Store, fmt.Errorf("%w (no login was attempted)", err))
	}
	return nil
}

func (m *manager) login(ctx context.Context, p *config.Profile, secret string) (*providers.Session, error) {
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
// session, it cannot be renewed, or it was issued for another origin or
// account; exit 3 when the saved secret was refused before; exit 6 for
// store failures, and the provider's own errors for a failed renewal.
func (m *manager) Get(ctx context.Context, p *config.Profile, opts GetOptions) (*providers.Session, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	key := m.key(p, st)
	rec, err := load(st, key, p)
	if err != nil {
		return nil, err
	}
	if p.Shared != nil {
		return m.sharedGet(ctx, sharedCall{st: st, key: key, prov: prov, p: p, rec: rec}, opts)
	}
	if rec.Session == nil {
		return nil, clierr.New(clierr.NoSession, "profile %s has no session; log in: %s", p.Name, loginHint(p))
	}
	if err := checkBound(prov, p, rec); err != nil {
		return nil, err
	}
	now := m.Now()
	w := m.Windows(p)
	// A --min-valid that no session of this vendor can meet would log in on
	// every call; say so instead. What a session lasts is learnt from the
	// vendor's documented length and the longest a login has returned, not
	// from this one session, which may be short (a tenant's policy change,
	// a token issued near one).
	if life := m.longest(prov, rec, w); opts.MinValid > 0 && life > 0 && opts.MinValid >= life {
		return nil, clierr.New(clierr.Usage, "--min-valid %s is longer than a %s session of profile %s lasts (%s): no renewal can meet it; ask for less than %s", shortDur(opts.MinValid), p.Provider, p.Name, shortDur(life.Round(time.Minute)), shortDur(life.Round(time.Minute)))
	}
	if rec.Rejected != nil {
		if err := rejectedError(prov, p, rec, opts.NoRenew); err != nil {
			return nil, err
		}
	} else if !providers.Expired(prov, rec.Session, w, now, opts.MinValid) {
		m.touch(ctx, st, key, p, rec, now)
		return rec.Session, nil
	}
	if opts.NoRenew {
		if rec.Secret != "" {
			return nil, clierr.New(clierr.NoSession, "the session of profile %s has expired (--no-renew given); renew it with: sesame token show %s", p.Name, p.Name)
		}
		return nil, clierr.New(clierr.NoSession, "the session of profile %s has expired and no secret is saved to renew it; log in again: %s", p.Name, loginHint(p))
	}
	s, err := m.renew(ctx, st, key, prov, p, "", func(r *record) bool {
		return r.Session != nil && r.Rejected == nil && !providers.Expired(prov, r.Session, w, m.Now(), opts.MinValid)
	})
	if err != nil {
		return nil, err
	}
	if opts.MinValid > 0 && providers.Expired(prov, s, w, m.Now(), opts.MinValid) {
		life := lifetime(prov, s, w)
		return nil, clierr.New(clierr.Usage, "--min-valid %s: the %s login just made returned a session of %s, which cannot meet it; ask for less than %s", shortDur(opts.MinValid), p.Provider, shortDur(life.Round(time.Minute)), shortDur(life.Round(time.Minute)))
	}
	return s, nil
}

// rejectedError is why a session the vendor ended cannot be handed out or
// renewed (exit 4 with the login hint), or nil when a saved secret may
// renew it.
func rejectedError(prov providers.Provider, p *config.Profile, rec *record, noRenew bool) error {
	what := "the vendor ended the session of profile " + p.Name + rec.Rejected.words()
	switch {
	case !rec.RefusedAt.IsZero():
		return clierr.New(clierr.NoSession, "%s, and refused its saved %s at %s; log in again: %s", what, prov.SecretName(mode(prov, p)), stamp(rec.RefusedAt), loginHint(p))
	case rec.Secret == "":
		return clierr.New(clierr.NoSession, "%s, and no secret is saved to renew it; log in again: %s", what, loginHint(p))
	case noRenew:
		return clierr.New(clierr.NoSession, "%s (--no-renew given); renew it with: sesame token show %s", what, p.Name)
	}
	return nil
}

// words says when and by which call the vendor ended a session.
func (r *Rejection) words() string {
	s := " at " + stamp(r.At)
	if r.By != "" {
		s += " (its answer to " + r.By + ")"
	}
	return s
}

func stamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// longest is how long a fresh session of p may last: the vendor's
// documented length, the longest a login has returned, or this session's,
// whichever is longest; 0 when none is known.
func (m *manager) longest(prov providers.Provider, rec *record, w providers.Windows) time.Duration {
	return max(prov.Info().SessionLength, rec.LongestLife, lifetime(prov, rec.Session, w))
}

// learn records the life of rec's session in LongestLife.
func (rec *record) learn(prov providers.Provider, w providers.Windows) {
	if rec.Session != nil {
		rec.LongestLife = max(rec.LongestLife, lifetime(prov, rec.Session, w))
	}
}

// shortDur prints a duration as people write it: time.Duration's own
// String without a zero unit at its end, so that --min-valid 20m reads
// 20m (not 20m0s) and a day-long session 24h (not 24h0m0s); 1h30m and
// 90s (1m30s) keep every unit that is not zero. A session's lifetime is
// measured from a local issue time, so callers round it to the minute.
func shortDur(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// lifetime is how long a session like s lasts when fresh: from its issue to
// its end, as if unused since (idle-timed sessions count from last use);
// 0 when unknown.
func lifetime(prov providers.Provider, s *providers.Session, w providers.Windows) time.Duration {
	if s.IssuedAt.IsZero() {
		return 0
	}
	fresh := *s
	fresh.LastUsed = s.IssuedAt
	until := prov.ValidUntil(&fresh, w)
	if until.IsZero() || !until.After(s.IssuedAt) {
		return 0
	}
	return until.Sub(s.IssuedAt)
}

// Renew replaces a session that the server rejected (rejected is the token
// it refused). When another process already renewed it, that session is
// returned without a new login.
func (m *manager) Renew(ctx context.Context, p *config.Profile, rejected string) (*providers.Session, error) {
	st, prov, err := m.parts(p)
	if err != nil {
		return nil, err
	}
	if p.Shared != nil {
		return m.sharedRenew(ctx, sharedCall{st: st, key: m.key(p, st), prov: prov, p: p}, rejected)
	}
	w := m.Windows(p)
	return m.renew(ctx, st, m.key(p, st), prov, p, rejected, func(r *record) bool {
		return r.Session != nil && r.Rejected == nil && r.Session.Token != rejected && !providers.Expired(prov, r.Session, w, m.Now(), 0)
	})
}

// parts are the store and the provider a profile uses.
func (m *manager) parts(p *config.Profile) (credstore.Store, providers.Provider, error) {
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
// A saved secret the vendor refuses is dropped and the refusal recorded, so
// that the next calls fail at once rather than send it again. rejected,
// when not "", is the token the vendor refused in use: when it is still
// the stored session, that refusal is recorded beside it first, so that
// status and token show stop calling it valid even if no renewal follows.
func (m *manager) renew(ctx context.Context, st credstore.Store, key string, prov providers.Provider, p *config.Profile, rejected string, fresh func(*record) bool) (*providers.Session, error) {
	unlock, err := m.lock(ctx, p, key)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, err := load(st, key, p)
	if err != nil {
		return nil, err
	}
	if err := checkBound(prov, p, rec); err != nil {
		return nil, err
	}
	if fresh(rec) {
		return rec.Session, nil
	}
	if rejected != "" && rec.Session != nil && rec.Session.Token == rejected && rec.Rejected == nil {
		rec.Rejected = &Rejection{At: m.Now(), By: callOf(ctx)}
		if err := m.save(st, key, rec); err != nil {
			return nil, err
		}
	}
	what := prov.SecretName(mode(prov, p))
	if !rec.RefusedAt.IsZero() {
		return nil, clierr.New(clierr.Rejected, "the saved %s of profile %s was refused at %s; log in again: %s",
			what, p.Name, rec.RefusedAt.Local().Format("2006-01-02 15:04:05 MST"), loginHint(p))
	}
	if rec.Secret == "" {
		return nil, clierr.New(clierr.NoSession, "the session of profile %s has expired and no secret is saved to renew it (logged in with --no-save-secret, or logged out); log in again: %s", p.Name, loginHint(p))
	}
	if m.CheckSecret != nil {
		if err := m.CheckSecret(p); err != nil {
			return nil, err
		}
	}
	s, err := m.login(ctx, p, rec.Secret)
	if err != nil {
		if clierr.Code(err) == clierr.Rejected {
			rec.RefusedAt = m.Now()
			rec.Secret = ""
			if serr := m.save(st, key, rec); serr == nil {
				return nil, fmt.Errorf("renewing the session of profile %s: %w; the saved %s will not be sent again: log in again: %s", p.Name, err, what, loginHint(p))
			}
		}
		return nil, fmt.Errorf("renewing the session of profile %s: %w", p.Name, err)
	}
	rec.Session, rec.Rejected = s, nil
	rec.learn(prov, m.Windows(p))
	if err := m.save(st, key, rec); err != nil {
		return nil, err
	}
	return s, nil
}

// touch records the time of use for idle-expiring sessions, at most once per
// touchEvery. It re-reads under the lock so that it never writes an old
// session over one another process just renewed. A failure here is not
// worth failing the command.
func (m *manager) touch(ctx context.Context, st credstore.Store, key string, p *config.Profile, rec *record, now time.Time) {
	s := rec.Session
	if s.LastUsed.IsZero() || now.Sub(s.LastUsed) < touchEvery {
		return
	}
	unlock, err := m.lock(ctx, p, key)
	if err != nil {
		return
	}
	defer unlock()
	cur, err := load(st, key, p)
	if err != nil || cur.Session == nil || cur.Session.Token != s.Token {
		return
	}
	cur.Session.LastUsed = now
	_ = m.save(st, key, cur)
}

// Logout removes the profile's session and secret from its store.
func (m *manager) Logout(p *config.Profile) error {
	st, err := m.Store(p)
	if err != nil {
		return err
	}
	if err := st.Delete(m.key(p, st)); err != nil {
		return clierr.Wrap(clierr.Store, err)
	}
	return nil
}

// loginHint is the command that logs a profile in again.
func loginHint(p *config.Profile) string {
	return fmt.Sprintf("sesame login %s -p %s", p.Provider, p.Name)
}
