// Package fleet keeps a profile's session and saved secret in a Redis (or
// Valkey) server that a whole fleet of hosts shares, so that the fleet makes
// one vendor login per session lifetime (SPEC §4 "Shared across a fleet").
//
// What it stores, per profile, under a namespace NS:
//
//	NS:session:PROFILE  hash {fence, data, by, at}: the session, encrypted
//	NS:secret:PROFILE   string: the saved secret, encrypted
//	NS:lock:PROFILE     string: "host/pid TOKEN", the renewal lock (a 10 s
//	                    PX lease its holder extends while it works)
//	NS:fence:PROFILE    integer: the fencing counter, INCR'd with the lock
//	NS:ratelimit:ORIGIN integer: unix ms until which the origin's auth
//	                    endpoints refuse calls (a TeamDynamix 429's reset)
//	NS:budget:PROFILE   hash {method: JSON ratelimit.State}: the rate-limit
//	                    budgets the fleet paces under (counts and times)
//
// Values are sealed on the client with AES-256-GCM under the fleet key, with
// the kind, the profile name, the origin and (for a session) its fence as
// associated data, because Redis keeps data in plain text at rest and an
// item must not be movable to another profile or origin, nor its fence be
// changed: a forged fence does not open (exit 6), and a replayed record
// carries its old fence, which a host that has seen a newer one refuses.
// The fence, the writer's name and the write time stay readable so that
// status can show them without the key; the writer's name is text from
// Redis, and whoever prints it escapes it (redact.Text).
//
// The package stores bytes and never knows what they mean: it must not
// import providers or session, never log or print a stored value, and every
// Redis call it makes is bounded by a timeout.
package fleet

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/transport"
)

// DefaultTimeout bounds each Redis call when Options.Timeout is zero. A
// call on a fresh connection costs up to three round trips (TCP connect,
// AUTH, the command; plus the TLS handshake for rediss://), so 10 s meets a
// link with 2 s round trips. A Redis that does not answer at all is
// noticed later, but the caller's wait bounds every retry anyway, and a
// valid local copy never asks Redis.
const DefaultTimeout = 10 * time.Second

// DefaultNamespace prefixes every key when Options.Namespace is empty.
const DefaultNamespace = "sesame"

// KeySize is the fleet key's length: AES-256.
const KeySize = 32

var (
	// ErrNotFound: nothing is stored under the key.
	ErrNotFound = errors.New("nothing stored in the fleet store")
	// ErrWrongKey: an item does not open with this fleet key (another key
	// wrote it, or it was tampered with). Carries exit 6 when wrapped.
	ErrWrongKey = errors.New("the fleet key does not open the stored item")
	// ErrStaleFence: a session write carried a fence older than the stored
	// one; a newer renewal has already written, and nothing was changed.
	ErrStaleFence = errors.New("a newer session is already stored (stale fence)")
	// ErrNoPermission: the Redis user may not touch the key (ACL NOPERM).
	ErrNoPermission = errors.New("the Redis user has no permission for this key")
	// ErrNoSecret: a renewal found no secret to log in with, neither in
	// the fleet nor on this host (Login wraps it in its exit-4 error);
	// Renew then waits for another renewer that has one.
	ErrNoSecret = errors.New("no saved secret")
	// ErrOlderFence: the stored session's fence is older than one the
	// caller has already seen (a replayed or rolled-back record).
	ErrOlderFence = errors.New("the stored session is older than one already seen")
	// ErrUnavailable: the store did not answer (refused, reset, timed out).
	// It is the failure a fallback may cover; the others are not.
	ErrUnavailable = errors.New("unavailable")
)

// Clock is time as the waiters see it; tests inject one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, whichever comes first, and returns
	// ctx.Err() in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	return transport.Sleep(ctx, d)
}

// Options is what Open needs. Secrets (Password, Key) come from the
// environment or the keychain, never from a flag or the config file.
type Options struct {
	// URL is redis://[user@]host:port[/db] or rediss://…; a password in it is
	// refused (it would sit in the config file and in argv).
	URL string
	// Namespace prefixes every key; "" means DefaultNamespace.
	Namespace string
	// Password is the ACL user's password (SESAME_REDIS_PASSWORD).
	Password string
	// CAFile adds a PEM bundle to the system roots for rediss://.
	CAFile string
	// Key is the 32-byte fleet key (SESAME_FLEET_KEY, see ParseKey).
	Key []byte
	// Timeout bounds each Redis call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Holder names this writer in the session's "by" field (host and pid);
	// "" means hostname/pid.
	Holder string
	// Clock is for waiting; nil means the real clock.
	Clock Clock
}

// Store is a connection to the fleet's Redis. It dials lazily: Open costs no
// network round trip.
type Store struct {
	rdb     *redis.Client
	display string
	ns      string
	aead    cipher.AEAD
	timeout time.Duration
	holder  string
	clock   Clock
}

// ParseKey decodes a fleet key: standard or URL-safe base64 of 32 bytes
// (`openssl rand -base64 32`). Errors never quote the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, clierr.New(clierr.Store, "no fleet key: set SESAME_FLEET_KEY to 32 random bytes in base64 (openssl rand -base64 32), the same on every host of the fleet")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, clierr.New(clierr.Store, "the fleet key (SESAME_FLEET_KEY) is %d bytes; it must be 32 random bytes in base64 (openssl rand -base64 32)", len(k))
			}
			return k, nil
		}
	}
	return nil, clierr.New(clierr.Store, "the fleet key (SESAME_FLEET_KEY) is not base64; make one with: openssl rand -base64 32")
}

// Redact returns the URL as it may be shown: scheme, user, host and db.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "redis"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// quiet silences go-redis's own logger, which prints dial failures to
// stderr: sesame reports store errors once, in its own words.
var quiet = sync.OnceFunc(func() { redis.SetLogger(nopLogger{}) })

type nopLogger struct{}

func (nopLogger) Printf(context.Context, string, ...any) {}

// Open checks the options and returns a Store; it does not dial.
func Open(o Options) (*Store, error) {
	quiet()
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, clierr.New(clierr.Usage, "shared store URL %q: want redis://host:port or rediss://host:port", Redact(o.URL))
	}
	if _, ok := u.User.Password(); ok {
		return nil, clierr.New(clierr.Usage, "shared store URL %s carries a password; remove it from the URL and set SESAME_REDIS_PASSWORD instead", Redact(o.URL))
	}
	if len(o.Key) != KeySize {
		return nil, clierr.New(clierr.Store, "no usable fleet key: set SESAME_FLEET_KEY to 32 random bytes in base64 (openssl rand -base64 32)")
	}
	ropt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, clierr.New(clierr.Usage, "shared store URL %s: %v", Redact(o.URL), err)
	}
	if o.Password != "" {
		ropt.Password = o.Password
	}
	if ropt.TLSConfig != nil && o.CAFile != "" {
		pool, err := transport.CertPool(o.CAFile)
		if err != nil {
			return nil, err
		}
		ropt.TLSConfig.RootCAs = pool
	}
	if ropt.TLSConfig != nil && ropt.TLSConfig.MinVersion < tls.VersionTLS12 {
		ropt.TLSConfig.MinVersion = tls.VersionTLS12
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ropt.DialTimeout = timeout
	ropt.ReadTimeout = timeout
	ropt.WriteTimeout = timeout
	ropt.PoolTimeout = timeout
	ropt.ContextTimeoutEnabled = true
	// One retry covers a pooled connection that died with a restarted
	// server; the per-call deadline bounds the whole attempt either way.
	ropt.MaxRetries = 1
	ropt.DialerRetries = 1
	ropt.PoolSize = 4
	// No CLIENT SETINFO or maintenance-notification handshake: one round
	// trip fewer per connection, and no ACL permission needed for them.
	ropt.DisableIdentity = true
	// RESP2: no HELLO round trip on a connection without a password (AUTH
	// with one); sesame needs nothing RESP3 adds.
	ropt.Protocol = 2
	ropt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}

	block, err := aes.NewCipher(o.Key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	ns := o.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	holder := o.Holder
	if holder == "" {
		h, _ := os.Hostname()
		holder = h + "/" + strconv.Itoa(os.Getpid())
	}
	clock := o.Clock
	if clock == nil {
		clock = realClock{}
	}
	return &Store{
		rdb:     redis.NewClient(ropt),
		display: Redact(o.URL),
		ns:      ns,
		aead:    aead,
		timeout: timeout,
		holder:  holder,
		clock:   clock,
	}, nil
}

// Name is the store as users see it in messages: "redis://host:port".
func (s *Store) Name() string { return s.display }

// Namespace is the key prefix.
func (s *Store) Namespace() string { return s.ns }

// Close releases the connections.
func (s *Store) Close() error { return s.rdb.Close() }

func (s *Store) key(kind, name string) string { return s.ns + ":" + kind + ":" + name }

// call runs f under the per-call timeout. The call does not watch ctx
// for cancellation, only its own deadline: watching it would make the
// caller arm its Ctrl-C handler (about a millisecond of a `token show`,
// see internal/cmd/interrupt.go) for a call that lasts at most s.timeout anyway. A
// ctx already ended stops the call before it starts; waits between calls
// (Clock.Sleep) do watch ctx.
func (s *Store) call(ctx context.Context, what string, f func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	return s.wrap(what, f(cctx))
}

// wrap turns a Redis failure into an exit-6 error naming the store. Redis
// error texts never hold a value we sent, but we keep to our own words.
func (s *Store) wrap(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return ErrNotFound
	case strings.HasPrefix(err.Error(), "NOPERM"):
		return clierr.New(clierr.Store, "fleet store %s: %s: %w (check the Redis ACL of this host's user)", s.display, what, ErrNoPermission)
	case strings.HasPrefix(err.Error(), "WRONGPASS"), strings.HasPrefix(err.Error(), "NOAUTH"):
		return clierr.New(clierr.Store, "fleet store %s: %s: authentication failed; check the user in the URL and SESAME_REDIS_PASSWORD", s.display, what)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return clierr.New(clierr.Store, "fleet store %s is %w (%s: no answer within %s)", s.display, ErrUnavailable, what, s.timeout)
	case errors.Is(err, context.Canceled):
		return err
	}
	var re redis.Error
	if errors.As(err, &re) {
		return clierr.New(clierr.Store, "fleet store %s: %s: %v", s.display, what, err)
	}
	return clierr.New(clierr.Store, "fleet store %s is %w (%s: %v)", s.display, ErrUnavailable, what, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.call(ctx, "ping", func(ctx context.Context) error { return s.rdb.Ping(ctx).Err() })
}

// sealing

// Seal versions: 1 binds kind, profile and origin; 2 (sessions) binds
// the fence too. A version-1 session (written by an older sesame) is read
// as no session at all: it cannot prove its fence, and a renewer replaces
// it with a new login.
const (
	sealVersion      = 1
	sealVersionFence = 2
)

var errOldSeal = errors.New("sealed by an older sesame without its fence")

func ad(kind, profile, origin string, fence int64) []byte {
	b := []byte("sesame-fleet/v1\x00" + kind + "\x00" + profile + "\x00" + origin)
	if kind == "session" {
		b = append(b, "\x00fence="+strconv.FormatInt(fence, 10)...)
	}
	return b
}

func version(kind string) byte {
	if kind == "session" {
		return sealVersionFence
	}
	return sealVersion
}

func (s *Store) seal(kind, profile, origin string, fence int64, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{version(kind)}, nonce...)
	return s.aead.Seal(out, nonce, plain, ad(kind, profile, origin, fence)), nil
}

func (s *Store) open(kind, profile, origin string, fence int64, blob []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(blob) >= 1 && blob[0] == sealVersion && kind == "session" {
		return nil, errOldSeal
	}
	if len(blob) < 1+n+s.aead.Overhead() || blob[0] != version(kind) {
		return nil, s.wrongKey(kind, profile)
	}
	plain, err := s.aead.Open(nil, blob[1:1+n], blob[1+n:], ad(kind, profile, origin, fence))
	if err != nil {
		return nil, s.wrongKey(kind, profile)
	}
	return plain, nil
}

func (s *Store) wrongKey(kind, profile string) error {
	return clierr.New(clierr.Store, "fleet store %s: the %s of profile %s does not open with this fleet key: %w (another key sealed it, or its fence or data were changed in Redis); set SESAME_FLEET_KEY to the key the fleet's renewer uses, or delete the key if it was tampered with (nothing was served or changed)", s.display, kind, profile, ErrWrongKey)
}

// Item is a session as stored: its plain data and who wrote it when.
type Item struct {
	Data  []byte
	Fence int64
	By    string
	At    time.Time
}

// Session reads a profile's shared session; ErrNotFound when none is stored.
func (s *Store) Session(ctx context.Context, profile, origin string) (*Item, error) {
	var vals []any
	err := s.call(ctx, "reading the session of "+profile, func(ctx context.Context) error {
		var err error
		vals, err = s.rdb.HMGet(ctx, s.key("session", profile), "fence", "data", "by", "at").Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.item(profile, origin, vals)
}

// item opens the fields fence, data, by, at of a session hash.
func (s *Store) item(profile, origin string, vals []any) (*Item, error) {
	data, ok := vals[1].(string)
	if !ok {
		return nil, ErrNotFound
	}
	it := &Item{}
	if f, ok := vals[0].(string); ok {
		it.Fence, _ = strconv.ParseInt(f, 10, 64)
	}
	plain, err := s.open("session", profile, origin, it.Fence, []byte(data))
	if errors.Is(err, errOldSeal) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	it.Data = plain
	if b, ok := vals[2].(string); ok {
		it.By = b
	}
	if a, ok := vals[3].(string); ok {
		if ms, err := strconv.ParseInt(a, 10, 64); err == nil {
			it.At = time.UnixMilli(ms)
		}
	}
	return it, nil
}

// script defers hashing a Lua script to its first use: sesame links this
// package into every command, and `token show` on a local profile must
// not pay for fleet set-up at start (package init).
func script(src string) func() *redis.Script {
	return sync.OnceValue(func() *redis.Script { return redis.NewScript(src) })
}

// eval runs a script with EVAL: one round trip. EVALSHA would save a few
// hundred bytes but costs a second round trip (NOSCRIPT, then EVAL) on
// every server that has not seen the script, which is every short-lived
// process after a restart, and round trips are what a slow link pays.
func (s *Store) eval(ctx context.Context, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	return sc.Eval(ctx, s.rdb, keys, args...)
}

// putSession writes only when fence is not older than the stored fence.
var putSession = script(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'data', ARGV[2], 'by', ARGV[3], 'at', ARGV[4])
if tonumber(ARGV[5]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
else
  redis.call('PERSIST', KEYS[1])
end
return 1
`)

// PutSession stores a profile's session written under fence (from the lock
// that renewed it, or the fence it was read with, for a touch). A fence older
// than the stored one is refused with ErrStaleFence and changes nothing.
// ttl > 0 lets Redis drop the item after it (the session's own end).
func (s *Store) PutSession(ctx context.Context, profile, origin string, fence int64, data []byte, ttl time.Duration) error {
	blob, err := s.seal("session", profile, origin, fence, data)
	if err != nil {
		return err
	}
	var ok int64
	err = s.call(ctx, "writing the session of "+profile, func(ctx context.Context) error {
		var err error
		ok, err = s.eval(ctx, putSession(), []string{s.key("session", profile)},
			fence, blob, s.holder, s.clock.Now().UnixMilli(), ttl.Milliseconds()).Int64()
		return err
	})
	if err != nil {
		return err
	}
	if ok != 1 {
		return ErrStaleFence
	}
	return nil
}

// DeleteSession removes a profile's shared session (logout).
func (s *Store) DeleteSession(ctx context.Context, profile string) error {
	return s.call(ctx, "deleting the session of "+profile, func(ctx context.Context) error {
		return s.rdb.Del(ctx, s.key("session", profile)).Err()
	})
}

// Secret reads a profile's saved secret; ErrNotFound when none is stored.
// A consumer's Redis user has no permission for it (ErrNoPermission).
func (s *Store) Secret(ctx context.Context, profile, origin string) ([]byte, error) {
	var blob []byte
	err := s.call(ctx, "reading the saved secret of "+profile, func(ctx context.Context) error {
		var err error
		blob, err = s.rdb.Get(ctx, s.key("secret", profile)).Bytes()
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.open("secret", profile, origin, 0, blob)
}

// PutSecret replaces a profile's saved secret.
func (s *Store) PutSecret(ctx context.Context, profile, origin string, secret []byte) error {
	blob, err := s.seal("secret", profile, origin, 0, secret)
	if err != nil {
		return err
	}
	return s.call(ctx, "writing the saved secret of "+profile, func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.key("secret", profile), blob, 0).Err()
	})
}

// DeleteSecret removes a profile's saved secret.
func (s *Store) DeleteSecret(ctx context.Context, profile string) error {
	return s.call(ctx, "deleting the saved secret of "+profile, func(ctx context.Context) error {
		return s.rdb.Del(ctx, s.key("secret", profile)).Err()
	})
}

// CheckKey reports ErrWrongKey (exit 6) when the stored session or secret of
// profile was sealed with another fleet key; nothing stored is fine. Writers
// call it first so that a host with the wrong key never overwrites the
// fleet's items.
func (s *Store) CheckKey(ctx context.Context, profile, origin string) error {
	if _, err := s.Session(ctx, profile, origin); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	_, err := s.Secret(ctx, profile, origin)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNoPermission) {
		return err
	}
	return nil
}

// String is for %v: the store's name, never a secret.
func (s *Store) String() string { return fmt.Sprintf("fleet store %s (namespace %s)", s.display, s.ns) }
