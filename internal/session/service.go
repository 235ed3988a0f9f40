package session

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/ratelimit"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Service is the one door commands use to reach a credential: it resolves
// the profile a command names, chooses its store (ChooseStore), hands out
// a live session (renewing it under the per-profile lock), logs in and out,
// and reports a profile's state for status and doctor. Its parts (config,
// stores, HTTP client, manager) are built on first use.
//
// Commands built on Service name no provider, store or transport: what
// they need of a provider comes through Live and the provider's Info.
type Service struct {
	d      Deps
	reg    *registry.Registry
	cfg    *config.Config
	http   *transport.Client
	stores map[string]credstore.Store
	mgr    *manager
	fleets map[string]*fleet.Store
	// budgets are the profiles' rate-limit budgets (budget.go).
	budgets map[string]*ratelimit.Budget
}

// Config loads the config file (once).
func (s *Service) Config() (*config.Config, error) { return s.loadConfig() }

// provider looks a provider up by name (exit 2 when there is none).
func (s *Service) provider(name string) (providers.Provider, error) { return s.reg.Get(name) }

// Live is a profile's usable session, resolved once when Service.Live
// hands it out: the token, the headers a request needs, the API base and
// when the session ends. It is sesame's own type: a command holding one
// holds no provider, store or provider session, and asks nothing twice.
type Live struct {
	Profile *config.Profile

	token, user          string
	issuedAt, validUntil time.Time
	baseURL              string
	headers              []Header
	fields, secretFields map[string]string
	secrets              []string
}

// newLive resolves what a Live says from p's provider, session and windows.
func newLive(p *config.Profile, prov providers.Provider, sess *providers.Session, w providers.Windows) *Live {
	l := &Live{
		Profile:      p,
		token:        sess.Token,
		user:         sess.User,
		issuedAt:     sess.IssuedAt,
		validUntil:   prov.ValidUntil(sess, w),
		fields:       maps.Clone(sess.Fields),
		secretFields: maps.Clone(sess.SecretFields),
		secrets:      sess.Secrets(),
	}
	if b, err := prov.BaseURL(p); err == nil {
		l.baseURL = b
	}
	for _, h := range prov.Headers(p, sess) {
		l.headers = append(l.headers, Header{h.Name, h.Value})
	}
	return l
}

// Token is the one token a script needs (TDX JWT, AMS v2 session, YM
// SessionId).
func (l *Live) Token() string { return l.token }

// User is the account the session belongs to, as the vendor named it.
func (l *Live) User() string { return l.user }

// IssuedAt is when the session was issued.
func (l *Live) IssuedAt() time.Time { return l.issuedAt }

// Headers are the session's request headers.
func (l *Live) Headers() []Header { return slices.Clone(l.headers) }

// ValidUntil is when the session stops being usable; zero when unknown.
func (l *Live) ValidUntil() time.Time { return l.validUntil }

// BaseURL is the profile's API base ("" when the profile cannot say).
func (l *Live) BaseURL() string { return l.baseURL }

// Fields are the provider's own fields of the session that are not
// secret (AMS application_id, YM member_id, …).
func (l *Live) Fields() map[string]string { return maps.Clone(l.fields) }

// SecretFields are the provider's own fields that are as secret as the
// token (YM bearer_token, …).
func (l *Live) SecretFields() map[string]string { return maps.Clone(l.secretFields) }

// Secrets are every secret value the session holds (the token and the
// secret fields), for output that must mark or mask them.
func (l *Live) Secrets() []string { return slices.Clone(l.secrets) }

// Resolve picks the profile a command acts on: arg (a positional
// PROFILE), else --profile, else SESAME_PROFILE, else the only one. arg
// and --profile naming two profiles is a usage error.
func (s *Service) Resolve(arg string) (*config.Profile, error) {
	c, err := s.Config()
	if err != nil {
		return nil, err
	}
	switch {
	case arg == "":
		arg = s.d.Flags.Profile
	case s.d.Flags.Profile != "" && !strings.EqualFold(arg, s.d.Flags.Profile):
		// Two answers to one question: refuse rather than pick one.
		return nil, clierr.New(clierr.Usage, "two profiles given: --profile %s and %s; give one", s.d.Flags.Profile, arg)
	}
	return c.Resolve(arg, nil)
}

// StoreChoice is the store p uses (nil p: a new login's), per ChooseStore.
func (s *Service) StoreChoice(p *config.Profile) StoreChoice {
	recorded, file := "", ""
	if p != nil {
		recorded = p.Store
	}
	if c, err := s.Config(); err == nil {
		file = c.Store
	}
	return ChooseStore(s.d.Flags.StoreKind, s.d.Getenv("SESAME_STORE"), recorded, file)
}

// windowsOf are p's renewal windows.
func (s *Service) windowsOf(p *config.Profile) providers.Windows {
	c, err := s.Config()
	if err != nil {
		c = nil
	}
	return windowsFor(c, p)
}

// Live hands out a usable session for p, renewing it when it must (see
// manager.Get for the exit codes).
func (s *Service) Live(ctx context.Context, p *config.Profile, opts GetOptions) (*Live, error) {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return nil, err
	}
	mgr, err := s.sessions()
	if err != nil {
		return nil, err
	}
	sess, err := mgr.Get(ctx, p, opts)
	if err != nil {
		return nil, err
	}
	return newLive(p, prov, sess, s.windowsOf(p)), nil
}

// Status is what status and doctor say of a profile's stored session.
type Status struct {
	// Stored reports a stored session; the fields about it below are
	// zero without one.
	Stored bool
	// User is the account the stored session belongs to ("" when the
	// vendor did not say).
	User string
	// LastUsed is when sesame last handed the session out; zero when
	// unknown.
	LastUsed time.Time
	// RateLimit is what the vendor's rate-limit headers said when the
	// session was issued (TDX X-RateLimit-*); nil when they said nothing.
	RateLimit *RateLimitSeen
	// Secret reports a saved secret (the session renews itself).
	Secret bool
	// ValidUntil is when Session ends; zero when unknown.
	ValidUntil time.Time
	// Expired reports that Session has ended at the time asked about.
	Expired bool
	// Rejected is set when the vendor ended Session before its time (see
	// record.Rejected): it is not handed out again.
	Rejected *Rejection
	// SecretRefusedAt is when the vendor refused the saved secret; zero
	// when it has not.
	SecretRefusedAt time.Time
}

// RateLimitSeen is what X-RateLimit-Limit, -Remaining and -Reset said,
// and when: text as the vendor sent it, "" when a header was missing.
type RateLimitSeen struct {
	Limit, Remaining string
	Reset            time.Time // zero when unsaid
	SeenAt           time.Time
}

// Status reads p's record without renewing or touching it.
func (s *Service) Status(p *config.Profile, now time.Time) (*Status, error) {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return nil, err
	}
	mgr, err := s.sessions()
	if err != nil {
		return nil, err
	}
	rec, err := mgr.Load(p)
	if err != nil {
		return nil, err
	}
	st := &Status{Secret: rec.Secret != "", SecretRefusedAt: rec.RefusedAt}
	if sess := rec.Session; sess != nil {
		st.Stored, st.User, st.LastUsed = true, sess.User, sess.LastUsed
		if rl := sess.RateLimit; rl != nil {
			st.RateLimit = &RateLimitSeen{Limit: rl.Limit, Remaining: rl.Remaining, Reset: rl.Reset, SeenAt: rl.SeenAt}
		}
		w := s.windowsOf(p)
		st.ValidUntil = prov.ValidUntil(rec.Session, w)
		st.Expired = providers.Ended(prov, rec.Session, w, now)
		st.Rejected = rec.Rejected
	}
	return st, nil
}

// Logout removes p's session and secret from its store.
func (s *Service) Logout(p *config.Profile) error {
	mgr, err := s.sessions()
	if err != nil {
		return err
	}
	return mgr.Logout(p)
}

// validUntil is when sess, a session of p, stops being usable under p's
// windows; zero when unknown. Every "valid until" sesame prints comes from
// here, Live.ValidUntil or Status.
func (s *Service) validUntil(p *config.Profile, sess *providers.Session) time.Time {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return time.Time{}
	}
	return prov.ValidUntil(sess, s.windowsOf(p))
}

// Forget removes p's session and secret from its store (logout, profile
// remove); the same as Logout, named for what a command that drops a
// profile wants.
func (s *Service) Forget(p *config.Profile) error { return s.Logout(p) }

// LogoutFleet removes a shared profile's session and saved secret from
// its fleet store (logout --fleet).
func (s *Service) LogoutFleet(ctx context.Context, p *config.Profile) error {
	mgr, err := s.sessions()
	if err != nil {
		return err
	}
	_, err = mgr.LogoutFleet(ctx, p)
	return err
}

// PutSharedSecret replaces a shared profile's saved secret in its fleet
// store (fleet put-secret).
func (s *Service) PutSharedSecret(ctx context.Context, p *config.Profile, secret string) error {
	mgr, err := s.sessions()
	if err != nil {
		return err
	}
	return mgr.PutSharedSecret(ctx, p, secret)
}

// SharedStatus is the fleet store's view of a shared profile (status,
// doctor); nil for a profile that is not shared.
func (s *Service) SharedStatus(ctx context.Context, p *config.Profile) (*SharedStatus, error) {
	mgr, err := s.sessions()
	if err != nil {
		return nil, err
	}
	return mgr.SharedStatus(ctx, p)
}

// KeepWarm makes sure p's session lasts at least ahead more (fleet
// keep-warm): renewed reports that a new session was made (by this call
// or another host), until is when the session in hand ends (zero when
// unknown).
func (s *Service) KeepWarm(ctx context.Context, p *config.Profile, ahead time.Duration) (renewed bool, until time.Time, err error) {
	mgr, err := s.sessions()
	if err != nil {
		return false, time.Time{}, err
	}
	before := ""
	if rec, err := mgr.Load(p); err == nil && rec.Session != nil {
		before = rec.Session.Token
	}
	sess, err := mgr.Get(ctx, p, GetOptions{MinValid: ahead})
	if err != nil {
		return false, time.Time{}, err
	}
	return sess.Token != before, s.validUntil(p, sess), nil
}

// IsAuthError reports whether an answer (status, header, the start of
// its body) to a request of p's means the vendor ended the session
// (status --check's verdict after the proxy's one renewal).
func (s *Service) IsAuthError(p *config.Profile, status int, h http.Header, body []byte) (bool, error) {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return false, err
	}
	return prov.IsAuthError(status, h, body), nil
}
