// Package ratelimit is sesame's side of a vendor's rate limit (SPEC §5b):
// how a vendor says its budget (a Dialect, which each provider declares in
// its Info), how long to wait after an answer that means "slow down", and a
// Budget that remembers each method's last Limit/Remaining/Reset and holds
// a request that would exceed it until the window resets.
//
// A Budget is shared through a Store: in memory (one process), a small
// state file beside the session (every process of one host, under the same
// go-internal lockedfile discipline as the renewal lock), or the fleet's
// Redis (internal/fleet). A State holds counts and times only: never a
// secret, a header value or a query string.
//
// It must never name a vendor: whatever differs per vendor is the
// provider's Dialect.
package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxWait is the longest one wait may be: a rate-limit window of a minute
// plus a margin, with room to spare. A vendor asking for longer is reported
// (exit 5, naming the reset) instead of waited on.
const MaxWait = 90 * time.Second

// MaxRequestWait is the most one request waits in all, across every pacing
// hold and every 429: beyond it the request fails with exit 5 (the proxy
// answers 503 with Retry-After) naming the reset.
const MaxRequestWait = 5 * time.Minute

// DefaultMargin is added to a reset date when a dialect names none: a
// server's clock and ours are never exactly the same.
const DefaultMargin = 5 * time.Second

// Dialect is how one vendor speaks of its rate limit. Every field is
// optional: the zero Dialect knows only that 429 (and 503 with
// Retry-After) means "slow down", honours Retry-After, and keeps one
// budget for the whole API.
type Dialect struct {
	// Vendor names the vendor for people: "waiting 41 s for Vendor's rate
	// limit on GET /api/people".
	Vendor string
	// LimitHeader, RemainingHeader and ResetHeader name the answer headers
	// that carry the budget; "" when the vendor sends none.
	LimitHeader, RemainingHeader, ResetHeader string
	// ResetUnix says the reset header holds Unix seconds; otherwise it is
	// an HTTP date (RFC 1123).
	ResetUnix bool
	// Margin is added to a reset before sending again (the vendor's own
	// advice); 0 means DefaultMargin when a reset header is named.
	Margin time.Duration
	// SlowDown reports whether an answer means "slow down, send again
	// later"; nil means 429, or 503 with Retry-After.
	SlowDown func(status int, h http.Header) bool
	// Method groups a request into the budget the vendor counts it under,
	// from its HTTP method and its path below the API base; nil means one
	// budget for the whole API ("*").
	Method func(method, path string) string
}

// Name is the vendor for messages ("the server" when the dialect has none).
func (d *Dialect) Name() string {
	if d == nil || d.Vendor == "" {
		return "the server"
	}
	return d.Vendor
}

// Key is the budget a request is counted under.
func (d *Dialect) Key(method, path string) string {
	if d == nil || d.Method == nil {
		return "*"
	}
	return d.Method(method, path)
}

// Slow reports whether an answer means "slow down" (see Dialect.SlowDown).
func (d *Dialect) Slow(status int, h http.Header) bool {
	if d != nil && d.SlowDown != nil {
		return d.SlowDown(status, h)
	}
	return status == http.StatusTooManyRequests || (status == http.StatusServiceUnavailable && h.Get("Retry-After") != "")
}

// margin is the dialect's margin after a reset.
func (d *Dialect) margin() time.Duration {
	if d == nil {
		return DefaultMargin
	}
	if d.Margin > 0 {
		return d.Margin
	}
	return DefaultMargin
}

func (d *Dialect) resetHeader() string {
	if d == nil {
		return "X-RateLimit-Reset"
	}
	return d.ResetHeader
}

// Observation is what one answer said of the budget.
type Observation struct {
	Limit, Remaining int       // -1 when not said
	Reset            time.Time // zero when not said
}

// Known reports whether the answer said anything of the budget.
func (o Observation) Known() bool { return o.Limit >= 0 || o.Remaining >= 0 || !o.Reset.IsZero() }

// Read reads an answer's budget headers.
func (d *Dialect) Read(h http.Header) Observation {
	o := Observation{Limit: -1, Remaining: -1}
	if d == nil {
		return o
	}
	num := func(name string) int {
		if name == "" {
			return -1
		}
		n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	o.Limit, o.Remaining = num(d.LimitHeader), num(d.RemainingHeader)
	o.Reset = d.parseReset(h)
	return o
}

func (d *Dialect) parseReset(h http.Header) time.Time {
	name := d.resetHeader()
	if name == "" {
		return time.Time{}
	}
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return time.Time{}
	}
	if d != nil && d.ResetUnix {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0)
		}
		return time.Time{}
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}

// RetryWait is how long to wait before sending again after a "slow down"
// answer (or a failed login's 5xx) seen at now, and why (for --debug and
// errors). An answer may say when to come back in two ways and the later
// wins: the reset header plus the margin, and Retry-After (seconds or a
// date). Without either the wait is exponential from attempt: 0.5 s, 1 s,
// 2 s, …; told reports that the answer said.
func (d *Dialect) RetryWait(attempt int, h http.Header, now time.Time) (wait time.Duration, why string, told bool) {
	if reset := d.parseReset(h); !reset.IsZero() {
		m := d.margin()
		wait, why, told = reset.Add(m).Sub(now), "; until "+d.resetHeader()+" + "+m.String(), true
		if wait < m {
			// A reset already past (clock skew): still the margin.
			wait = m
		}
		// The date has whole seconds; so does the wait, rounded up.
		if r := wait % time.Second; r != 0 {
			wait += time.Second - r
		}
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if w, ok := RetryAfter(ra, now); ok {
			if !told || w > wait {
				wait, why = w, "; Retry-After"
			}
			told = true
		}
	}
	if !told {
		wait = time.Duration(500<<min(attempt, 8)) * time.Millisecond
	}
	return wait, why, told
}

// RetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if w := t.Sub(now); w > 0 {
			return w, true
		}
		return 0, true
	}
	return 0, false
}

// Standard is the common dialect a request without its provider's speaks:
// X-RateLimit-Limit, -Remaining and -Reset (an HTTP date) and Retry-After,
// with DefaultMargin.
var Standard = &Dialect{
	LimitHeader:     "X-RateLimit-Limit",
	RemainingHeader: "X-RateLimit-Remaining",
	ResetHeader:     "X-RateLimit-Reset",
}

// IDPath groups a path's id segments: every segment that is all digits or
// a GUID becomes {id}, and the path is lower-cased (servers that route
// case-insensitively count /API/People and /api/people alike). A vendor
// that counts per endpoint template ("GET api/people/{uid}") uses it as
// its Method.
func IDPath(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if isID(s) {
			segs[i] = "{id}"
		} else {
			segs[i] = strings.ToLower(s)
		}
	}
	return strings.ToUpper(method) + " /" + strings.Join(segs, "/")
}

func isID(s string) bool {
	if s == "" {
		return false
	}
	digits := true
	for _, r := range s {
		if r < '0' || r > '9' {
			digits = false
			break
		}
	}
	if digits {
		return true
	}
	// A GUID: 8-4-4-4-12 hex digits.
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
