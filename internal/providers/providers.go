// Package providers defines what a vendor adapter is: how it logs in, what a
// session it returns holds, which headers carry that session, and how to tell
// an expired session from a live one, and (Info) how generic code should
// present it: its login command, secret names and expiry knobs. Each vendor
// lives in its own package (tdx, ams, ym) and is listed once in
// providers/registry.
//
// A provider never touches the credential store or the config file: it gets a
// profile and a secret, speaks HTTP through the transport it is handed, and
// returns plain data.
package providers

import (
	"context"
	"net/http"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Session is what a login yields. It is plain data that round-trips through
// JSON, so that the store can keep it without knowing what it is.
type Session struct {
	Provider string `json:"provider"`
	Mode     string `json:"mode,omitempty"`
	// Token is the one value a script needs (`token show` raw): the TDX JWT,
	// the AMS v2 session token or v1 Basic credential, the YM SessionId.
	Token string `json:"token"`
	// User is who the session acts as, for people (status, login).
	User string `json:"user,omitempty"`
	// Fields are the provider's own non-secret values (application_id,
	// client_id, member_id, …); they become P_<KEY> variables in `env`.
	Fields map[string]string `json:"fields,omitempty"`
	// SecretFields are the provider's own secret values (bearer_token,
	// skype_name, …): shown like Fields but masked and redacted like Token.
	SecretFields map[string]string `json:"secret_fields,omitempty"`
	IssuedAt     time.Time         `json:"issued_at"`
	// ExpiresAt is the expiry the vendor told us (TDX exp claim); zero when
	// the vendor does not say.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// LastUsed is the last time sesame handed the session out (AMS idle
	// expiry); it is refreshed at most once a minute.
	LastUsed time.Time `json:"last_used,omitzero"`
	// RateLimit is the vendor's rate-limit state as its login answer told
	// it (TDX X-RateLimit-* headers), for `doctor`; nil when it said none.
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
}

// RateLimit is what X-RateLimit-Limit, -Remaining and -Reset said, and when.
// It holds no secret.
type RateLimit struct {
	Limit     string    `json:"limit,omitempty"`
	Remaining string    `json:"remaining,omitempty"`
	Reset     time.Time `json:"reset,omitzero"`
	SeenAt    time.Time `json:"seen_at"`
}

// ReadRateLimit reads the X-RateLimit-* headers of an answer seen at now;
// nil when there are none.
func ReadRateLimit(h http.Header, now time.Time) *RateLimit {
	rl := &RateLimit{Limit: h.Get("X-RateLimit-Limit"), Remaining: h.Get("X-RateLimit-Remaining"), SeenAt: now}
	if t, err := http.ParseTime(h.Get("X-RateLimit-Reset")); err == nil {
		rl.Reset = t.UTC()
	}
	if rl.Limit == "" && rl.Remaining == "" && rl.Reset.IsZero() {
		return nil
	}
	return rl
}

// Secrets lists every secret value the session holds, for redaction and
// masking.
func (s *Session) Secrets() []string {
	out := []string{}
	if s.Token != "" {
		out = append(out, s.Token)
	}
	for _, v := range s.SecretFields {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Windows are the renewal windows a profile uses for vendors that do not say
// when a session ends.
type Windows struct {
	Idle time.Duration // AMS v2: a session unused this long is treated as expired
	TTL  time.Duration // YM: a session this old is treated as expired
}

// Env is what a provider may use while logging in.
type Env struct {
	HTTP *transport.Client
	Now  func() time.Time
}

// Provider is one vendor's adapter.
//
// Error contract for Login: an error carrying clierr.Rejected (exit 3) when
// the vendor refused the credentials or the account (the message says why in
// words a user can act on, never quoting a secret); clierr.Network (exit 5)
// for transport failures, vendor 5xx and answers that cannot be understood
// (HTML pages, JSON of the wrong shape); clierr.Usage (exit 2) for a profile
// that lacks what the mode needs. A failed Login returns no session.
type Provider interface {
	// Name is the provider's name as users type it: tdx, ams, ym.
	Name() string
	// Info describes the provider to generic code: its login command,
	// secret names, expiry settings (see Info).
	Info() Info
	// Modes lists the login modes; the first is the default.
	Modes() []string
	// SecretName says what the secret is called in prompts and messages
	// for a mode ("password", "Web Services Key", "consumer secret").
	SecretName(mode string) string
	// BaseURL is the API base of the profile: relative `curl` paths are
	// resolved against it and its origin is the only one that gets
	// credentials.
	BaseURL(p *config.Profile) (string, error)
	// Login logs in with secret and returns a fresh session.
	Login(ctx context.Context, env *Env, p *config.Profile, secret string) (*Session, error)
	// Headers are the request headers that carry the session, in the order
	// they should be shown.
	Headers(p *config.Profile, s *Session) []Header
	// ValidUntil is when the session stops being usable, as far as sesame
	// can know; zero when there is no known end (AMS v1).
	ValidUntil(s *Session, w Windows) time.Time
	// IsAuthError reports whether a response to a data request means "log
	// in again" (401, or a vendor's own way of saying so).
	IsAuthError(status int, header http.Header, body []byte) bool
}

// Adopter is implemented by providers whose login teaches the profile a
// setting it lacked (YM: the ClientID a consumer or token login answers
// with, which the API base needs). Adopt changes only p, never the store.
type Adopter interface {
	Adopt(p *config.Profile, s *Session)
}

// Header is one request header.
type Header struct {
	Name, Value string
}

// ModeOf is the mode p logs in with: its own, or the provider's default
// (the first of Modes).
func ModeOf(prov Provider, p *config.Profile) string {
	if p.Mode != "" {
		return p.Mode
	}
	return prov.Modes()[0]
}

// Expired reports whether s must be renewed before it is used at now, given
// that it must still be valid minValid later. A session within the
// provider's RenewAhead margin of its end counts as expired (see
// Info.RenewAhead); Ended is the plain question.
func Expired(p Provider, s *Session, w Windows, now time.Time, minValid time.Duration) bool {
	until := p.ValidUntil(s, w)
	if until.IsZero() {
		return false
	}
	return !now.Add(minValid + Margin(p, s, until)).Before(until)
}

// Ended reports whether s has ended at now, with no margin: what status
// says.
func Ended(p Provider, s *Session, w Windows, now time.Time) bool {
	until := p.ValidUntil(s, w)
	return !until.IsZero() && !now.Before(until)
}

// Margin is how long before until a session like s is renewed: the
// provider's RenewAhead, but at most half the session's life (from its
// issue to until), so that short sessions are used before renewal.
func Margin(p Provider, s *Session, until time.Time) time.Duration {
	m := p.Info().RenewAhead
	if m <= 0 {
		return 0
	}
	if !s.IssuedAt.IsZero() && until.After(s.IssuedAt) {
		m = min(m, until.Sub(s.IssuedAt)/2)
	}
	return m
}
