// Package sandbox holds fake AMS, YM and TDX servers that speak the vendors'
// documented wire formats (../shared/seeds). The tests log in against them
// and `sesame sandbox` serves them on loopback for people to try sesame.
//
// Every fake also answers two control routes, which a real vendor never has:
//
//	GET  /_sandbox/stats          {"logins": N, "requests": N, ...} as JSON
//	POST /_sandbox/expire         ends every session the fake has issued
//	ANY  /_sandbox/echo           the request's method and headers, as text
//	ANY  /_sandbox/redirect?to=U  a 302 (or ?code=N) to U, for redirect tests
//
// It must never be pointed at, or forward to, a real vendor host.
package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Vendor is one fake vendor server.
type Vendor interface {
	http.Handler
	// Name is the provider name: tdx, ams or ym.
	Name() string
	// Logins counts successful logins so far.
	Logins() int64
	// Expire ends every session issued so far (server-side expiry).
	Expire()
	// Accounts describes the test credentials, for `sesame sandbox`.
	Accounts() []Account
}

// Account is one test login a fake accepts (or refuses on purpose).
type Account struct {
	Mode     string // provider login mode
	User     string // username, e-mail, BEID or consumer key
	Secret   string // password, key or consumer secret (test values only)
	Note     string // what logging in with it shows
	Extra    string // extra login flags, e.g. "--client-id 1234"
	Refusing bool   // the fake refuses this login on purpose
}

// Counters are the shared statistics every fake keeps.
type Counters struct {
	logins   atomic.Int64
	requests atomic.Int64
	mu       sync.Mutex
	extra    map[string]int64
}

// Login counts one successful login.
func (c *Counters) Login() { c.logins.Add(1) }

// Request counts one request of any kind.
func (c *Counters) Request() { c.requests.Add(1) }

// Logins counts successful logins.
func (c *Counters) Logins() int64 { return c.logins.Load() }

// Add counts a named event (e.g. "missing_app_id") shown in /_sandbox/stats.
func (c *Counters) Add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.extra == nil {
		c.extra = map[string]int64{}
	}
	c.extra[name]++
}

// setMax raises a named count to n.
func (c *Counters) setMax(name string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.extra == nil {
		c.extra = map[string]int64{}
	}
	if n > c.extra[name] {
		c.extra[name] = n
	}
}

// Get returns a named count.
func (c *Counters) Get(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.extra[name]
}

// Control answers the /_sandbox/ routes; it reports whether it did.
func Control(w http.ResponseWriter, r *http.Request, c *Counters, expire func()) bool {
	switch r.URL.Path {
	case "/_sandbox/stats":
		c.mu.Lock()
		m := map[string]int64{"logins": c.logins.Load(), "requests": c.requests.Load()}
		for k, v := range c.extra {
			m[k] = v
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
		return true
	case "/_sandbox/echo":
		Echo(w, r)
		return true
	case "/_sandbox/redirect":
		code := http.StatusFound
		if n, err := strconv.Atoi(r.URL.Query().Get("code")); err == nil && n >= 300 && n < 400 {
			code = n
		}
		http.Redirect(w, r, r.URL.Query().Get("to"), code)
		return true
	case "/_sandbox/expire":
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return true
		}
		expire()
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// Echo answers with the request's method, path and headers, one per line,
// sorted, so tests can see exactly what a client sent.
func Echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var lines []string
	for k, vs := range r.Header {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sort.Strings(lines)
	fmt.Fprintf(w, "%s %s\n%s\n", r.Method, r.URL.Path, strings.Join(lines, "\n"))
}

// Options tune a fake for a test or a demo.
type Options struct {
	// TTL is how long an issued session lasts: TDX's JWT lifetime (default
	// 24h), AMS's idle timeout (default 30m), YM's session lifetime (default
	// 15m).
	TTL time.Duration
	// Now is the fake's clock; nil means time.Now.
	Now func() time.Time

	// TDX: RateLimited answers this many auth calls with 429 and the
	// X-RateLimit-* headers (Reset a few seconds ahead), as TeamDynamix
	// does past 60 calls per IP in 60 s; later calls succeed.
	RateLimited int
	// TDX: DataLimit allows this many data calls per method in each
	// DataWindow (default 60 s), with the X-RateLimit-* headers on every
	// data answer and 429 past it (tdx_ratelimit.go); 0 means no limit.
	DataLimit  int
	DataWindow time.Duration
	// TDX: DataLimited answers this many data calls with 429 (Reset a few
	// seconds ahead); YM: with 429 and Retry-After: 2.
	DataLimited int
	// TDX: LoginDelay holds each successful login's answer this long
	// (real time), as a slow vendor does, so that a test can kill or stop
	// a client in the middle of its login. A client that hangs up first
	// gets no session and the login is not counted.
	LoginDelay time.Duration
	// TDX: TokenSkew issues JWTs as if the server's clock were off by this
	// much (a negative skew gives tokens already expired at issue).
	TokenSkew time.Duration

	// AMS: Step1 is what getApplicationDescription hands over:
	// "" or "header" (session-header and JSESSIONID cookie), "cookie" (the
	// cookie alone) or "none" (no token at all: real traffic records none).
	Step1 string
	// AMS: RPCSessionEnd makes data routes report an ended session the way
	// AMS also does: HTTP 200 with an rpc exception, instead of HTTP 401.
	RPCSessionEnd bool
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// New returns the fake for a provider name.
func New(name string, o Options) (Vendor, error) {
	switch name {
	case "tdx":
		return NewTDX(o), nil
	case "ams":
		return NewAMS(o), nil
	case "ym":
		return NewYM(o), nil
	}
	return nil, fmt.Errorf("no sandbox for %q (have: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the providers that have a fake.
func Names() []string { return []string{"ams", "tdx", "ym"} }
