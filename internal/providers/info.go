package providers

import (
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// Info is what a provider says about itself, so that generic code names no
// vendor (rclone's RegInfo): the `sesame login <Name>` command with its
// flags, help and validation, the header and JSON key names that carry its
// secrets, the settings that tune its expiry, and how status and the sandbox
// speak of its modes and accounts.
type Info struct {
	// Name is Provider.Name.
	Name string
	// Login builds `sesame login <Name>`.
	Login LoginInfo
	// SecretHeaders name the request headers that carry its session;
	// redaction hides their values (redact must know each name: the
	// registry's test checks it).
	SecretHeaders []string
	// SecretJSONKeys name members of its login answers whose values are
	// secret; --debug hides them (checked like SecretHeaders).
	SecretJSONKeys []string
	// WindowSettings name the config settings (session_idle, session_ttl)
	// that its ValidUntil reads through Windows; none when the vendor says
	// when a session ends.
	WindowSettings []string
	// SingleUse maps a mode whose secret works only once (a YM exchange
	// token) to what the login says about it; such a secret is saved only
	// when --save-secret asks.
	SingleUse map[string]string
	// ModeText is how status and login name p's mode; nil means the mode
	// itself.
	ModeText func(p *config.Profile) string
	// Paginates says the vendor's list answers page by PageNumber and
	// PageSize, which `api --paginate` follows.
	Paginates bool
	// KeepWarmAhead is how long before a session's end `fleet keep-warm`
	// renews it; 0 means two minutes (sessions that end on inactivity,
	// which keep-warm's touch prevents).
	KeepWarmAhead time.Duration
	// RefusedPath reports whether the authenticating proxy must refuse a
	// path because it mints or tests credentials (the login endpoints):
	// no client of the proxy may use it to get a session of its own or as
	// a password oracle. It is given the whole path on the API origin,
	// normalised (decoded once, dot segments resolved, no encoded slash, no
	// ';' parameter) and lower-cased. A provider with a login path that
	// leaves it nil fails the conformance suite; one that truly has none
	// says why in NoRefusedPath instead.
	RefusedPath func(path string) bool
	// AuthErrorIn200 says the vendor can report an ended session inside a
	// 200 JSON answer, so that the proxy peeks at such bodies (bounded)
	// and asks IsAuthError about them.
	AuthErrorIn200 bool
	// NoRefusedPath, when RefusedPath is nil, is the reason the provider
	// has no path to refuse (the conformance suite requires one or the
	// other).
	NoRefusedPath string
	// RateLimit is the vendor's rate-limit dialect (SPEC §5b): the headers
	// that carry its budget, how a reset is written, the margin it asks
	// for, which answers mean "slow down", and how it groups paths into
	// the methods it counts. nil means the zero Dialect: 429 (or 503 with
	// Retry-After) is waited out, and nothing is paced before.
	RateLimit *ratelimit.Dialect
	// Check is the one cheap, read-only, authenticated call that `status
	// --check` makes to ask the vendor whether p's session is good (as `gh
	// auth status` asks GitHub); nil means the provider names none and the
	// check reports the stored state alone.
	Check func(p *config.Profile) CheckCall
	// AccountFlags are the login flags, after --url, for an account of the
	// provider's fake logging in with user in mode, secret on stdin (the
	// sandbox prints them); nil means --username USER --password-stdin.
	AccountFlags func(mode, user string) []string

	// RenewAhead is how long before a session's known end it is renewed
	// instead of handed out (or, when another process is renewing it,
	// waited for): a token with less than this left would die in the
	// caller's hands. TDX: a minute, as tdxlib renews when
	// exp < now + 60 s (cedarville-university/tdxlib,
	// tdxlib/tdx_integration.py, _check_auth_exp). 0 means none. Expired
	// applies it, never more than half of the session's life, so that a
	// tenant's short sessions are not renewed on every call.
	RenewAhead time.Duration
	// SessionLength is how long the vendor documents a fresh session to
	// last (TDX: a day); 0 when it does not say. `token show --min-valid`
	// is refused only when neither this nor the longest session a login
	// has returned could meet it.
	SessionLength time.Duration
	// AnswerError, when set, reads a vendor failure inside a successful
	// (2xx) data answer (YM: a ResponseStatus with an ErrorCode): it
	// returns the vendor's message, or "" when the answer is not a
	// failure. `sesame api` exits 7 with it.
	AnswerError func(status int, body []byte) string
}

// CheckCall is a request below the profile's API base (the base the
// authenticating proxy forwards to): a relative Path such as
// "/api/auth/getuser", with its query, and a JSON Body when the vendor wants
// one (nil for none).
type CheckCall struct {
	Method, Path string
	Body         []byte
}

// LoginInfo describes a provider's login subcommand. The generic code adds
// the flags every login shares (--password-stdin, --key-stdin,
// --secret-stdin, --no-save-secret, --save-secret) and --profile comes from
// the root; Flags are the provider's own, --url and --username included.
type LoginInfo struct {
	Use, Short, Long, Example string
	Flags                     []Flag
	// Exclusive lists groups of flags that may not be given together.
	Exclusive [][]string
	// Parse checks the flags given and turns them into a request; its
	// errors are usage errors (exit 2) that name the flag.
	Parse func(in *LoginInput) (*LoginRequest, error)
}

// Flag is one login flag: a string, or a boolean when Bool.
type Flag struct {
	Name, Usage string
	Bool        bool
}

// LoginInput is what Parse reads: the flags given, the environment, and the
// profile of that name as it stands (nil for a new one).
type LoginInput struct {
	Values  map[string]string // flag name → value; "true"/"false" for Bool flags
	Set     map[string]bool   // flags given on the command line
	Getenv  func(string) string
	Profile *config.Profile
}

// String is a flag's value.
func (in *LoginInput) String(name string) string { return in.Values[name] }

// Bool is a boolean flag's value.
func (in *LoginInput) Bool(name string) bool { return in.Values[name] == "true" }

// Changed reports whether a flag was given.
func (in *LoginInput) Changed(name string) bool { return in.Set[name] }

// LoginRequest is what a login changes in the profile, and how to read the
// secret. Empty fields keep the profile's value; an Options value of ""
// removes that option.
type LoginRequest struct {
	Mode, URL, Username string
	Options             map[string]string
	// SecretStdin reads the secret from stdin, as the shared
	// --password-stdin does (YM: --token-stdin).
	SecretStdin bool
	// Second, when set, is a second secret input joined to the first.
	Second *SecondSecret
}

// SecondSecret is a secret besides the main one (YM consumer: the access
// token). It is read from stdin when Stdin, else Value (from the
// environment); never from a flag value.
type SecondSecret struct {
	What  string // "access token", for messages
	Stdin bool
	Value string
	// Join makes the one secret the provider logs in with.
	Join func(secret, second string) (string, error)
}

// UsageError is a Parse error: exit 2.
func UsageError(format string, args ...any) error {
	return clierr.New(clierr.Usage, format, args...)
}

// OneOf matches s case-insensitively against the allowed spellings and
// returns the canonical one.
func OneOf(s string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, true
		}
	}
	return "", false
}

// BoolString spells b as an option value.
func BoolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
