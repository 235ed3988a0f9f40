// Package authproxy is the one place that attaches a vendor credential to a
// request (SPEC §5). `sesame curl`, `sesame api`, `sesame proxy` and
// `status --check` all send through it; curl, Python, R and every other client only ever hold the
// proxy's own per-run token, which is worthless anywhere but on this
// machine's loopback while the proxy runs.
//
// Clients prove themselves with the token as "Authorization: Bearer TOKEN"
// (sesame proxy's clients), or, with Options.PathToken, as the first
// segment of the URL's path (sesame curl's run: curl then holds no header
// of sesame's that any other URL could receive).
//
// A Proxy forwards to one profile's API origin alone, over sesame's own
// transport (https, verified TLS, timeouts, --debug redaction). It strips
// every credential header a client sends and injects the profile's, renews
// the session once when it expires or the vendor answers with its auth
// error (replaying a buffered body), streams responses, and refuses the
// vendor's login paths so that it can never be used to mint or test
// credentials. Paths are read once, by CleanPath; the allow-lists and the
// provider's login-path rule (providers.Info.RefusedPath) judge that
// reading, and the vendor receives exactly it.
//
// It must never: forward to another origin, follow a redirect, pass a
// vendor's Set-Cookie or session header back to the client, answer with
// CORS headers, log a header value, a query string or a body, or renew in
// a loop.
//
// authproxy sits below session, not above it: it never imports session.
// It declares the Sessions interface it needs (a usable session, and a
// replacement for one the vendor refused, told which call was refused);
// session.Service.Proxy implements it over its session manager and fills
// in provider, HTTP client, windows, clock and rate budget, so that a
// command asks for a proxy with one call and never assembles one. Session
// owning the proxy keeps one arrow: cmd → session → authproxy.
package authproxy

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/ratelimit"
	"github.com/sesame-cli/sesame/internal/transport"
)

// MaxReplay is the largest request body the proxy keeps in memory so that
// it can send the request again after renewing the session or waiting out
// a rate limit; a larger one is kept in a temp file up to MaxSpool, and
// one larger still goes through once (replay.go).
const MaxReplay = 1 << 20

// MaxSpool is the largest request body kept in a private temp file (0600,
// removed when the request is done) so that it too can be sent again
// after a renewal or a 429; a larger one goes through once (replay.go).
const MaxSpool = 256 << 20

// peekMax is how much of a small JSON 200 answer is read ahead to let the
// provider spot an auth error in the body (Info.AuthErrorIn200).
const peekMax = 64 << 10

// Headers the proxy sets on its answers.
const (
	// NotReplayedHeader marks an answer (never a 2xx) to a request that
	// was not sent again after a renewal or a rate limit because its body
	// was over MaxSpool; the client may send the request again.
	NotReplayedHeader = "Sesame-Not-Replayed"
	// RefusedHeader marks an answer of the proxy itself (bad token, foreign
	// Host, login path, …), not of the vendor.
	RefusedHeader = "Sesame-Refused"
)

// Sessions is what the proxy needs from the session layer: a usable session
// (renewed when it has expired, unless noRenew) and a replacement for one
// the server rejected. call is the request (method and path, no query)
// whose answer ended the session, recorded with the rejection. The session
// package implements it (session.Service.Proxy builds every Proxy sesame
// runs); authproxy does not import session.
type Sessions interface {
	Get(ctx context.Context, p *config.Profile, noRenew bool) (*providers.Session, error)
	Renew(ctx context.Context, p *config.Profile, rejected, call string) (*providers.Session, error)
}

// Options configure a Proxy.
type Options struct {
	Profile  *config.Profile
	Provider providers.Provider
	Sessions Sessions
	HTTP     *transport.Client
	// Windows are the profile's renewal windows (idle time, age).
	Windows providers.Windows
	// NoRenew makes an expired or rejected session an error (exit 4)
	// instead of a login.
	NoRenew bool
	// Token is the secret clients present as "Authorization: Bearer TOKEN";
	// empty means a fresh random one (see Token).
	Token string
	// PathToken makes the token a capability in the URL instead: clients
	// send http://127.0.0.1:PORT/TOKEN/… and no header (`sesame curl`'s
	// run, so that curl sends the token to this proxy's URLs alone and to
	// nothing else — no global header a redirect or another URL could
	// carry away). The proxy checks the first path segment in constant
	// time and strips it; same-origin redirects come back with it. A
	// Bearer header is then not accepted.
	PathToken bool
	// AllowMethods, when not empty, are the only methods forwarded.
	AllowMethods []string
	// AllowPaths, when not empty, are patterns one of which the request
	// path must match.
	AllowPaths []*regexp.Regexp
	// AllowOrigins are the browser origins whose requests are accepted;
	// any other request carrying an Origin header is refused.
	AllowOrigins []string
	// Log gets one metadata line per request (method, path without query,
	// status, duration, renewals); nil for none.
	Log io.Writer
	// Errors gets what went wrong on the proxy's side (network, renewal),
	// in words for people; nil for none.
	Errors io.Writer
	// Now is the clock (login back-off); nil means time.Now.
	Now func() time.Time
	// Budget paces requests under the vendor's rate limit, shared with
	// the other sesame processes of the host or the fleet; nil means one
	// for this proxy alone, in the provider's dialect.
	Budget *ratelimit.Budget
	// MaxSpool bounds a body kept in a temp file to be sent again; 0
	// means MaxSpool.
	MaxSpool int64
	// Metrics serves MetricsPath (Prometheus text, behind the token).
	Metrics bool
	// Waits gets "waiting 41 s for …'s rate limit on GET /api/people
	// (resets 14:02:17)" for every wait longer than a second; nil for
	// none.
	Waits io.Writer
}

// Proxy is an authenticating reverse proxy for one profile.
type Proxy struct {
	o      Options
	origin *url.URL // the vendor's API origin: scheme://host[:port]
	base   string   // the API base path on that origin, e.g. /TDWebApi
	token  string
	login  func(path string) bool
	// bodyVerdict is set when the provider reads auth errors from 200
	// bodies, so that only then is a body peeked at.
	bodyVerdict bool
	// dialect and budget pace requests under the vendor's rate limit.
	dialect *ratelimit.Dialect
	budget  *ratelimit.Budget

	// hosts are the Host values accepted (DNS rebinding); empty accepts
	// any (a unix socket).
	hosts []string
	self  string // the proxy's own origin, for Location rewriting

	dropped atomic.Int64 // answers marked NotReplayedHeader (replay.go)
	stats   counters     // for --metrics (metrics.go)

	mu      sync.Mutex
	cur     *providers.Session
	fetched time.Time
	fails   int       // renewals failed in a row
	waitTil time.Time // no renewal before this
	lastErr error
}

// New builds a Proxy for the profile in o.
func New(o Options) (*Proxy, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	baseURL, err := o.Provider.BaseURL(o.Profile)
	if err != nil {
		return nil, err
	}
	u, err := transport.CheckURL(baseURL)
	if err != nil {
		return nil, err
	}
	tok := o.Token
	if tok == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		tok = base64.RawURLEncoding.EncodeToString(b)
	}
	if o.MaxSpool <= 0 {
		o.MaxSpool = MaxSpool
	}
	dialect := o.Provider.Info().RateLimit
	if o.Budget == nil {
		o.Budget = &ratelimit.Budget{Dialect: dialect, Now: o.HTTP.Now}
	}
	return &Proxy{
		o:           o,
		dialect:     dialect,
		budget:      o.Budget,
		origin:      &url.URL{Scheme: u.Scheme, Host: u.Host},
		base:        strings.TrimRight(u.Path, "/"),
		token:       tok,
		login:       o.Provider.Info().RefusedPath,
		bodyVerdict: o.Provider.Info().AuthErrorIn200,
	}, nil
}

// Token is the secret clients must present.
func (p *Proxy) Token() string { return p.token }

// prefix is what clients put before the vendor's path: "/TOKEN" with
// PathToken, else nothing.
func (p *Proxy) prefix() string {
	if p.o.PathToken {
		return "/" + p.token
	}
	return ""
}

// URL is the URL on the proxy of a path on the vendor's origin (the
// capability included with PathToken); addr is the proxy's own origin.
func (p *Proxy) URL(addr, vendorPath string) string { return addr + p.prefix() + vendorPath }

// BasePath is the API base path clients put after the proxy's address.
func (p *Proxy) BasePath() string { return p.base }

// Origin is the vendor origin the proxy forwards to.
func (p *Proxy) Origin() string { return p.origin.String() }

// Bind tells the proxy the address it listens on: only requests whose Host
// names it (127.0.0.1:PORT or localhost:PORT) are served, and same-origin
// redirects are rewritten to it. Unix sockets pass "".
func (p *Proxy) Bind(addr string) {
	if addr == "" {
		p.self = "http://localhost"
		return
	}
	_, port, _ := net.SplitHostPort(addr)
	p.hosts = []string{addr, "localhost:" + port}
	p.self = "http://" + addr
}

// Prime fetches the session now, so that a missing or unrenewable session
// is an error before any client is started.
func (p *Proxy) Prime(ctx context.Context) error {
	_, err := p.session(ctx, false)
	return err
}

// refuse answers for the proxy itself.
func refuse(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(RefusedHeader, "1")
	w.WriteHeader(code)
	fmt.Fprintf(w, "sesame proxy: %s\n", msg)
}

// ServeHTTP checks the caller, then forwards.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.o.Metrics && r.URL.Path == MetricsPath {
		p.serveMetrics(w, r)
		return
	}
	start := time.Now()
	code, pth, st := p.serve(w, r)
	p.count(st)
	p.logf(r.Method, pth, code, time.Since(start), st)
}

// methodOverrides are the headers some servers (ASP.NET, ServiceStack,
// Java frameworks) read as the real method: a GET carrying one could be a
// DELETE at the vendor.
var methodOverrides = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// serve answers r; pth is what may be logged of its path (never the
// capability, never a query).
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) (code int, pth string, st forwardStats) {
	// The path as asked is logged only when it holds no capability.
	pth = "-"
	if !p.o.PathToken {
		pth = r.URL.EscapedPath()
	}
	if len(p.hosts) > 0 && !slices.Contains(p.hosts, strings.ToLower(r.Host)) {
		refuse(w, http.StatusMisdirectedRequest, "this proxy answers to "+p.hosts[0]+" only")
		return http.StatusMisdirectedRequest, pth, forwardStats{}
	}
	if r.Method == http.MethodConnect || (r.URL.Host != "" && !slices.Contains(p.hosts, strings.ToLower(r.URL.Host))) {
		refuse(w, http.StatusForbidden, "forwards to "+p.origin.String()+" only")
		return http.StatusForbidden, pth, forwardStats{}
	}
	if o := r.Header.Get("Origin"); o != "" && !slices.Contains(p.o.AllowOrigins, o) {
		refuse(w, http.StatusForbidden, "requests from web pages (Origin header) are refused")
		return http.StatusForbidden, pth, forwardStats{}
	}
	raw := r.URL.EscapedPath()
	if p.o.PathToken {
		var ok bool
		if raw, ok = p.capability(raw); !ok {
			refuse(w, http.StatusUnauthorized, "missing or wrong capability: this proxy serves only the URLs sesame handed to its curl")
			return http.StatusUnauthorized, pth, forwardStats{}
		}
	} else if !p.authorized(r.Header.Values("Authorization")) {
		refuse(w, http.StatusUnauthorized, "missing or wrong proxy token: send Authorization: Bearer $SESAME_PROXY_TOKEN")
		return http.StatusUnauthorized, pth, forwardStats{}
	}
	clean, err := CleanPath(raw)
	if err != nil {
		refuse(w, http.StatusBadRequest, "path refused: it has "+strings.TrimPrefix(err.Error(), errPath.Error()+"\n")+"; servers read such paths in different ways")
		return http.StatusBadRequest, pth, forwardStats{}
	}
	pth = clean
	if p.login != nil && p.login(strings.ToLower(clean)) {
		// A login path may carry a secret (an exchange token in the path):
		// the log says what it was, not what it held.
		pth = "(a login path)"
	}
	if len(p.o.AllowMethods) > 0 && !slices.ContainsFunc(p.o.AllowMethods, func(m string) bool { return strings.EqualFold(m, r.Method) }) {
		refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed (--allow-method)")
		return http.StatusMethodNotAllowed, pth, forwardStats{}
	}
	for _, k := range methodOverrides {
		if _, ok := r.Header[k]; !ok {
			continue
		}
		if len(p.o.AllowMethods) > 0 {
			refuse(w, http.StatusForbidden, k+" is refused: it would change the method past --allow-method")
			return http.StatusForbidden, pth, forwardStats{}
		}
		r.Header.Del(k)
	}
	if len(p.o.AllowPaths) > 0 && !slices.ContainsFunc(p.o.AllowPaths, func(re *regexp.Regexp) bool { return re.MatchString(clean) }) {
		refuse(w, http.StatusForbidden, "path is not allowed (--allow-path)")
		return http.StatusForbidden, pth, forwardStats{}
	}
	target := &url.URL{Path: clean, RawQuery: r.URL.RawQuery}
	resp, st, err := p.forward(r.Context(), r.Method, target, r.Header, r.Body, r.ContentLength)
	if err != nil {
		var re *Refusal
		if errors.As(err, &re) {
			refuse(w, re.Code, re.Msg)
			return re.Code, pth, st
		}
		p.errorf("%v", err)
		code := http.StatusBadGateway
		if errors.Is(err, errSession) {
			code = http.StatusServiceUnavailable
		}
		var rl *RateLimited
		if errors.As(err, &rl) {
			// Past sesame's bound: say when, in words and for machines.
			code = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.Until.Sub(p.o.HTTP.Now()).Seconds()))))
		}
		refuse(w, code, err.Error())
		return code, pth, st
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	copyFlushing(w, resp.Body)
	return resp.StatusCode, pth, st
}

// capability checks, in constant time, that raw starts with /TOKEN/ (or is
// /TOKEN) and returns the rest of the path.
func (p *Proxy) capability(raw string) (string, bool) {
	seg, rest, _ := strings.Cut(strings.TrimPrefix(raw, "/"), "/")
	if subtle.ConstantTimeCompare([]byte(seg), []byte(p.token)) != 1 {
		return "", false
	}
	return "/" + rest, true
}

// copyFlushing copies a vendor's answer to the client as it arrives: each
// read (at most 32 KiB, whatever the vendor has sent so far) is flushed at
// once, so event streams, long polls and progress reach the client while
// they last, and no more than one buffer is ever held.
func copyFlushing(w http.ResponseWriter, body io.Reader) {
	rc := http.NewResponseController(w)
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	for {
		n, err := body.Read(*buf)
		if n > 0 {
			if _, werr := w.Write((*buf)[:n]); werr != nil {
				return
			}
			if rc.Flush() != nil {
				// The writer cannot flush (a test recorder): copying on
				// is all there is to do.
				_, _ = io.CopyBuffer(w, body, *buf)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// authorized compares in constant time; any one Authorization value may
// carry the token (curl sends a user's own -H Authorization beside it).
func (p *Proxy) authorized(values []string) bool {
	want := []byte("Bearer " + p.token)
	ok := 0
	for _, v := range values {
		ok |= subtle.ConstantTimeCompare([]byte(strings.TrimSpace(v)), want)
	}
	return ok == 1
}

// Refusal is a request the proxy will not forward.
type Refusal struct {
	Code int
	Msg  string
}

func (r *Refusal) Error() string { return r.Msg }

// errSession marks a failure to get or renew the session.
var errSession = errors.New("session")

type sessionError struct{ err error }

func (e *sessionError) Error() string   { return e.err.Error() }
func (e *sessionError) Unwrap() []error { return []error{e.err, errSession} }
func sessionErr(err error) error        { return &sessionError{err} }

func (p *Proxy) logf(m, pth string, code int, d time.Duration, st forwardStats) {
	if p.o.Log == nil {
		return
	}
	wait := ""
	if st.waited > 0 || st.slow > 0 {
		wait = fmt.Sprintf(" waited=%s slowdowns=%d", st.waited.Round(time.Millisecond), st.slow)
	}
	fmt.Fprintf(p.o.Log, "sesame proxy: %s %s %d %s renewals=%d%s\n", m, pth, code, d.Round(time.Microsecond), st.renewals, wait)
}

func (p *Proxy) errorf(format string, args ...any) {
	if p.o.Errors != nil {
		fmt.Fprintf(p.o.Errors, "sesame: "+format+"\n", args...)
	}
}

// stripRequest are the client headers never forwarded: credentials (the
// proxy's token among them) and hop-by-hop headers (with those the client's
// Connection header names: dropHopByHop).
var stripRequest = []string{
	"Authorization", "Proxy-Authorization", "Cookie", "Session-Header", "X-Ss-Id", "X-App-Id",
	"Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Origin", "Referer", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
}

// stripResponse are the vendor headers never passed back: anything that
// would hand the client a vendor session, CORS grants, hop-by-hop headers
// (with those the vendor's Connection header names: dropHopByHop).
var stripResponse = []string{
	"Set-Cookie", "Set-Cookie2", "Session-Header", "X-Ss-Id", "Authorization", "WWW-Authenticate",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers",
	"Access-Control-Allow-Methods", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// dropHopByHop removes the headers a Connection header names (RFC 9110
// §7.6.1): they are meant for the hop they came over, not for the next.
// It runs before the fixed lists, which remove Connection itself.
func dropHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
}

// Forward sends one request to the vendor with the profile's credentials
// and returns the vendor's answer, its body unread: target's path and query
// are taken on the vendor's origin, hdr is the client's headers (credentials
// are stripped from a copy), body is read as the request goes out. size is
// the body's length when known, else -1. renewals counts the logins made.
//
// A login path gets a *Refusal. The request is paced under the profile's
// rate-limit budget (SPEC §5b) and a "slow down" answer (429, 503 with
// Retry-After) is waited out and sent again, within ratelimit.MaxWait a
// wait and ratelimit.MaxRequestWait in all (beyond: a *RateLimited error).
// An answer that means "log in again" renews the session once. Either
// way the body is sent again when it could be kept (replay.go: up to
// MaxReplay in memory, up to MaxSpool in a private temp file); the caller
// sees only the last answer.
func (p *Proxy) Forward(ctx context.Context, method string, target *url.URL, hdr http.Header, body io.Reader, size int64) (*http.Response, int, error) {
	resp, st, err := p.forward(ctx, method, target, hdr, body, size)
	return resp, st.renewals, err
}

// forwardStats is what one Forward did, for the proxy's log line.
type forwardStats struct {
	renewals int
	waited   time.Duration
	slow     int // "slow down" answers absorbed
}

func (p *Proxy) forward(ctx context.Context, method string, target *url.URL, hdr http.Header, body io.Reader, size int64) (*http.Response, forwardStats, error) {
	var st forwardStats
	// The login rule and the vendor see one and the same path: the one
	// CleanPath reads (the caller's allow-list saw it too).
	clean, err := CleanPath(target.EscapedPath())
	if err != nil {
		return nil, st, &Refusal{Code: http.StatusBadRequest, Msg: "path refused: servers read it in different ways (encoded slash, backslash, ';' parameter or double encoding)"}
	}
	if p.login != nil && p.login(strings.ToLower(clean)) {
		return nil, st, &Refusal{Code: http.StatusForbidden, Msg: "login paths are refused: the proxy never mints or tests credentials"}
	}
	out := &url.URL{Scheme: p.origin.Scheme, Host: p.origin.Host, Path: clean, RawQuery: target.RawQuery}
	// A session the vendor ends on this call is recorded with it (no query).
	call := method + " " + clean
	h := hdr.Clone()
	if h == nil {
		h = http.Header{}
	}
	dropHopByHop(h)
	for _, k := range stripRequest {
		h.Del(k)
	}
	rb, err := keepBody(body, size, p.o.MaxSpool)
	if err != nil {
		return nil, st, err
	}
	release := rb.close
	defer func() { release() }()
	s, err := p.session(ctx, false)
	if err != nil {
		return nil, st, err
	}
	key := p.dialect.Key(method, strings.TrimPrefix(clean, p.base))
	what := method + " " + strings.TrimPrefix(clean, p.base)
	for attempt, renewed := 0, false; ; attempt++ {
		if err := p.pace(ctx, key, what, &st); err != nil {
			return nil, st, err
		}
		req, err := http.NewRequestWithContext(ctx, method, out.String(), rb.reader())
		if err != nil {
			p.budget.Cancel(context.WithoutCancel(ctx), key)
			return nil, st, &Refusal{Code: http.StatusBadRequest, Msg: "unreadable request"}
		}
		req.ContentLength = rb.size
		if rb.size == 0 {
			req.Body = http.NoBody
		}
		req.Header = h.Clone()
		for _, sh := range p.o.Provider.Headers(p.o.Profile, s) {
			req.Header.Set(sh.Name, sh.Value)
		}
		p.o.HTTP.AddSecret(s.Secrets()...)
		resp, err := p.o.HTTP.Stream(req)
		if err != nil {
			p.budget.Cancel(context.WithoutCancel(ctx), key)
			return nil, st, err
		}
		rb.sent()
		wait, why, until, slow := p.budget.Observe(ctx, key, resp.StatusCode, resp.Header, st.slow)
		if slow {
			// Not processed: wait it out and send again, without a login.
			st.slow++
			if floor := slowFloor(st.slow); wait < floor {
				// "Retry-After: 0" again and again: back off all the same,
				// so that sesame never hammers a vendor that says no.
				wait, until = floor, until.Add(floor-wait)
			}
			if !rb.replayable() {
				p.finish(resp)
				p.notReplayed(resp, "the vendor's rate limit refused the request and its body was too large to keep: repeat the request after "+until.Local().Format("15:04:05"))
				return resp, st, nil
			}
			if err := p.tooLong(wait, until, what, &st); err != nil {
				resp.Body.Close()
				return nil, st, err
			}
			resp.Body.Close()
			if err := p.waitFor(ctx, wait, until, what, fmt.Sprintf("; HTTP %d%s", resp.StatusCode, why), &st); err != nil {
				return nil, st, err
			}
			continue
		}
		peek := p.peek(resp)
		if renewed || !p.o.Provider.IsAuthError(resp.StatusCode, resp.Header, peek) {
			p.finish(resp)
			resp.Body = rb.closeWith(resp.Body)
			release = func() {}
			return resp, st, nil
		}
		// The vendor says the session is over: renew once.
		ns, err := p.renew(ctx, s, call)
		if err != nil {
			resp.Body.Close()
			return nil, st, err
		}
		st.renewals++
		renewed = true
		s = ns
		if !rb.replayable() {
			p.finish(resp)
			p.notReplayed(resp, "the session was renewed; the request body was too large to send again: repeat the request")
			return resp, st, nil
		}
		resp.Body.Close()
	}
}

// peek reads the start of a small JSON 200 answer, for providers that
// report auth errors in such bodies; the client still gets the whole
// body. A large, compressed or non-JSON answer is never held back.
func (p *Proxy) peek(resp *http.Response) []byte {
	if !p.bodyVerdict || resp.StatusCode != http.StatusOK {
		return nil
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	enc := resp.Header.Get("Content-Encoding")
	if !strings.Contains(ct, "json") || (enc != "" && enc != "identity") || resp.ContentLength > peekMax {
		return nil
	}
	n := int64(peekMax)
	if resp.ContentLength >= 0 {
		n = resp.ContentLength
	}
	br := bufio.NewReaderSize(resp.Body, int(n)+16)
	b, _ := br.Peek(int(n))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{br, resp.Body}
	return b
}

// finish makes a vendor answer fit to hand to a client: no vendor session,
// no CORS grant, no hop-by-hop header, same-origin redirects pointed at the
// proxy (with the capability, under PathToken). A redirect elsewhere is
// left as it is: it carries nothing of sesame's.
func (p *Proxy) finish(resp *http.Response) {
	dropHopByHop(resp.Header)
	for _, k := range stripResponse {
		resp.Header.Del(k)
	}
	loc := resp.Header.Get("Location")
	if loc == "" || p.self == "" {
		return
	}
	from := p.origin
	if resp.Request != nil && resp.Request.URL != nil {
		from = resp.Request.URL
	}
	u, err := from.Parse(loc)
	if err != nil || !strings.EqualFold(u.Scheme, p.origin.Scheme) || !strings.EqualFold(u.Host, p.origin.Host) {
		return
	}
	// Resolved against the request, then made absolute on the proxy: a
	// relative Location would otherwise resolve against the proxy's URL
	// and could lose the capability.
	u.Scheme, u.Host, u.User = "", "", nil
	resp.Header.Set("Location", p.self+p.prefix()+u.String())
}

// session is the session to send with: the one held in memory while it is
// fresh, else the stored one (renewed by the session layer when expired).
// Reading the store again at least once a minute picks up a session another
// sesame renewed and keeps an idle clock (LastUsed) moving.
func (p *Proxy) session(ctx context.Context, force bool) (*providers.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.o.Now()
	// The provider's renewal margin holds here too: a token about to end
	// is not sent (providers.Expired).
	if !force && p.cur != nil && now.Sub(p.fetched) < time.Minute && !providers.Expired(p.o.Provider, p.cur, p.o.Windows, now, 0) {
		return p.cur, nil
	}
	if err := p.backoff(now); err != nil {
		return nil, err
	}
	s, err := p.o.Sessions.Get(ctx, p.o.Profile, p.o.NoRenew)
	if err != nil {
		p.failed(now, err)
		return nil, sessionErr(err)
	}
	p.cur, p.fetched, p.fails = s, now, 0
	return s, nil
}

// renew replaces a session the vendor rejected.
func (p *Proxy) renew(ctx context.Context, rejected *providers.Session, call string) (*providers.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.o.Now()
	if p.cur != nil && p.cur.Token != rejected.Token {
		return p.cur, nil // another request renewed it meanwhile
	}
	if p.o.NoRenew {
		return nil, sessionErr(clierr.New(clierr.NoSession, "the server rejected the session of profile %s and --no-renew was given", p.o.Profile.Name))
	}
	if err := p.backoff(now); err != nil {
		return nil, err
	}
	s, err := p.o.Sessions.Renew(ctx, p.o.Profile, rejected.Token, call)
	if err != nil {
		p.failed(now, err)
		return nil, sessionErr(err)
	}
	p.cur, p.fetched, p.fails = s, now, 0
	return s, nil
}

// backoff refuses to log in again soon after failed logins: 1 s after the
// first, doubling to 5 minutes, so that a busy client cannot hammer the
// vendor's login (some allow 60 a minute per address) or lock the account.
func (p *Proxy) backoff(now time.Time) error {
	if p.fails > 0 && now.Before(p.waitTil) {
		return sessionErr(fmt.Errorf("%w (not trying again for %s)", p.lastErr, p.waitTil.Sub(now).Round(time.Second)))
	}
	return nil
}

func (p *Proxy) failed(now time.Time, err error) {
	p.fails++
	d := time.Second << min(p.fails-1, 9)
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	p.waitTil, p.lastErr = now.Add(d), err
}
