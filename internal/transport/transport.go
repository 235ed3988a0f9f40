// Package transport is the one HTTP client sesame's own requests go through
// (SPEC §6): https only (plain http for loopback hosts alone), TLS always
// verified with an optional extra CA bundle, proxies from the environment, a
// timeout on every request, bodies read up to a limit, 429/5xx retried with
// backoff, and a --debug log in which every secret is replaced by ***.
//
// It never follows a redirect: a login endpoint that redirects is reported,
// so that no credential can be carried to another origin.
package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/ratelimit"
	"github.com/sesame-cli/sesame/internal/redact"
)

// MaxBody is how much of a response body is read (SPEC §6: 1 MiB).
const MaxBody = 1 << 20

// Options configure a Client.
type Options struct {
	Timeout time.Duration // per request; default 30s
	CAFile  string        // extra PEM bundle to trust
	Debug   io.Writer     // where --debug exchanges go; nil for none
	Retries int           // retries for 429/5xx on requests marked Retry; default 3
	// Sleep waits between retries; tests inject a fast one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock an X-RateLimit-Reset or Retry-After date is read
	// against; tests inject theirs.
	Now func() time.Time
	// Waits gets a line for every wait between attempts longer than a
	// second (SPEC §5b: said on stderr, never on stdout); nil for none.
	Waits io.Writer
}

// MaxWait is the longest one wait between retries may be (ratelimit.MaxWait:
// a minute's window plus a margin, with room to spare). A server asking for
// longer is reported instead of waited on.
const MaxWait = ratelimit.MaxWait

// ResetMargin is added to an X-RateLimit-Reset date before retrying, for
// clock skew and time-zone mistakes (ratelimit.DefaultMargin).
const ResetMargin = ratelimit.DefaultMargin

// CertPool is the system's roots plus the PEM certificates of caFile
// (--cacert, SESAME_CA_FILE): every TLS connection sesame makes, to a
// vendor or to a fleet's Redis, trusts the same set.
func CertPool(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, clierr.New(clierr.Usage, "reading CA bundle: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, clierr.New(clierr.Usage, "CA bundle %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// Client sends requests under the rules above.
type Client struct {
	http    *http.Client
	secrets *redact.Redactor
	out     io.Writer
	retries int
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	waits   io.Writer
}

// New builds a Client.
func New(o Options) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = proxyFor
	// The authenticating proxy sends many requests at once to one vendor
	// host; Go's default keeps 2 idle connections per host and would dial
	// a new one for every other request.
	tr.MaxIdleConnsPerHost = 32
	if o.CAFile != "" {
		pool, err := CertPool(o.CAFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c := &Client{
		secrets: redact.New(),
		http: &http.Client{
			Transport: tr,
			Timeout:   o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		out:     o.Debug,
		retries: o.Retries,
		sleep:   o.Sleep,
		now:     o.Now,
		waits:   o.Waits,
	}
	return c, nil
}

// AddSecret marks s as a value that --debug output and error messages must
// never show, in any form.
func (c *Client) AddSecret(s ...string) {
	c.secrets.Add(s...)
}

// Secrets is what AddSecret registered, for scrubbing the messages of
// errors that end the command.
func (c *Client) Secrets() *redact.Redactor { return c.secrets }

// Request is one HTTP request. Body is kept as bytes so that a retry can send
// it again.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Retry marks a request that may be sent again on 5xx too (logins);
	// every request is sent again after a 429 or a 503 with Retry-After
	// (SPEC §5b: it was not processed).
	Retry bool
}

// Response is a response with its body read (up to MaxBody).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// LooksHTML reports whether r is a web page (a login portal, a proxy's
// error page) rather than the API answer a caller asked for.
func (r *Response) LooksHTML() bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.Contains(ct, "html") || bytes.HasPrefix(bytes.TrimSpace(r.Body), []byte("<"))
}

// CheckURL applies SPEC §6: https, or http to a loopback host only.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, clierr.New(clierr.Usage, "invalid URL %q: want https://HOST/…", redact.URL(raw))
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, clierr.New(clierr.Usage, "refusing plain http to %s: credentials would cross the network in the clear; use https:// (http:// is allowed for loopback hosts only)", u.Host)
	}
	return nil, clierr.New(clierr.Usage, "unsupported URL scheme %q in %s: use https://", u.Scheme, u.Host)
}

// IsLoopback reports whether host names this machine: "localhost" itself or
// a literal loopback address (127.0.0.0/8, ::1). Names under .localhost are
// not: nothing guarantees that a resolver keeps them on this machine.
func IsLoopback(host string) bool { return origin.IsLoopback(host) }

// proxyFor is the environment's proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY),
// except for loopback hosts: a request to this machine, which may be plain
// http, never goes through a proxy.
func proxyFor(r *http.Request) (*url.URL, error) {
	if IsLoopback(r.URL.Hostname()) {
		return nil, nil
	}
	return http.ProxyFromEnvironment(r)
}

// Do sends r and reads the response. Errors carry exit codes: clierr.Usage for
// a refused URL, clierr.Network for everything that went wrong on the way
// (DNS, TLS, timeout, 5xx after the retries, a body over MaxBody).
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	u, err := CheckURL(r.URL)
	if err != nil {
		return nil, err
	}
	attempts := 1
	if r.Retry {
		attempts += c.retries
	}
	share := rateShareOf(ctx, r) // a fleet's shared budget: share.go
	if err := c.waitShared(ctx, share, u.Host); err != nil {
		return nil, err
	}
	var resp *Response
	waited := time.Duration(0)
	for i := 0; ; i++ {
		resp, err = c.once(ctx, u, r)
		if err != nil {
			return nil, err
		}
		tellShared(share, resp)
		// A 429 (or 503 with Retry-After) was not processed: any request
		// goes again; other 5xx only for requests marked Retry.
		slow := ratelimit.Standard.Slow(resp.Status, resp.Header)
		limit := attempts
		if slow {
			limit = 1 + c.retries
		}
		if !(slow || r.Retry && resp.Status >= 500) || i >= limit-1 {
			break
		}
		wait, why := c.retryWait(i, resp.Header)
		if wait > MaxWait || waited+wait > ratelimit.MaxRequestWait {
			return nil, clierr.New(clierr.Network, "%s asks to wait %s before trying again (HTTP %d%s); try again after %s", u.Host, wait.Round(time.Second), resp.Status, why, c.now().Add(wait).Local().Format("15:04:05"))
		}
		c.logf("retrying in %s after HTTP %d (attempt %d of %d)%s", wait, resp.Status, i+2, max(attempts, 1+c.retries), why)
		if wait > time.Second && c.waits != nil {
			fmt.Fprintf(c.waits, "sesame: waiting %d s for %s (HTTP %d; sending again at %s)\n", int((wait+time.Second-1)/time.Second), u.Host, resp.Status, c.now().Add(wait).Local().Format("15:04:05"))
		}
		if err := c.Wait(ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
	}
	if resp.Status >= 300 && resp.Status < 400 {
		return nil, clierr.New(clierr.Network, "%s answered with a redirect (HTTP %d) to %s; check the instance URL", u.Host, resp.Status, redirectHost(u, resp.Header.Get("Location")))
	}
	return resp, nil
}

func (c *Client) once(ctx context.Context, u *url.URL, r *Request) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return nil, clierr.New(clierr.Usage, "building request to %s: %v", u.Host, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "sesame")
	}
	c.dumpRequest(req, r.Body)
	start := time.Now()
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, netError(u, err)
	}
	defer hr.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBody+1))
	if err != nil {
		return nil, netError(u, err)
	}
	if len(body) > MaxBody {
		return nil, clierr.New(clierr.Network, "%s sent a response larger than %d bytes; is the URL an API endpoint?", u.Host, MaxBody)
	}
	resp := &Response{Status: hr.StatusCode, Header: hr.Header, Body: body}
	c.dumpResponse(resp, time.Since(start))
	return resp, nil
}

// netError words a transport failure without the URL (a YM token exchange
// carries its token in the path) and with exit code 5.
func netError(u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return clierr.New(clierr.Network, "%s did not answer in time (timeout); check the URL and your network, or raise --timeout", u.Host)
	case errors.Is(err, context.Canceled):
		return clierr.New(clierr.Interrupted, "request to %s: %w", u.Host, clierr.ErrInterrupted)
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
		return clierr.New(clierr.Network, "TLS certificate of %s does not verify: %v; if your organisation uses its own CA, pass it with --cacert FILE or SESAME_CA_FILE", u.Host, err)
	}
	return clierr.New(clierr.Network, "cannot reach %s: %v", u.Host, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func redirectHost(base *url.URL, loc string) string {
	l, err := base.Parse(loc)
	if err != nil {
		return "an unreadable location"
	}
	return l.Scheme + "://" + l.Host
}

// retryWait is how long to wait before attempt+2, and why (for --debug and
// errors): ratelimit.Dialect.RetryWait in the common dialect (the later of
// X-RateLimit-Reset + ResetMargin and Retry-After; else 0.5 s, 1 s, 2 s).
func (c *Client) retryWait(attempt int, h http.Header) (time.Duration, string) {
	wait, why, _ := ratelimit.Standard.RetryWait(attempt, h, c.now())
	if why == "; Retry-After" {
		why = ""
	}
	return wait, why
}

// backoff is retryWait for a bare Retry-After value at the real clock.
func backoff(attempt int, ra string) time.Duration {
	c := &Client{now: time.Now}
	d, _ := c.retryWait(attempt, http.Header{"Retry-After": {ra}})
	return d
}

// Sleep waits d or until ctx ends, whichever comes first: the real
// sleeper behind every injectable one (transport's retries, the fleet's
// polls).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Now is the client's clock (injected by tests).
func (c *Client) Now() time.Time { return c.now() }

// Wait waits d on the client's sleeper (injected by tests), or until ctx
// ends: then the error carries exit 130 (Ctrl-C, SIGTERM).
func (c *Client) Wait(ctx context.Context, d time.Duration) error {
	if err := c.sleep(ctx, d); err != nil {
		if ctx.Err() != nil {
			return clierr.New(clierr.Interrupted, "interrupted while waiting: %w", clierr.ErrInterrupted)
		}
		return err
	}
	return nil
}

// WaitUntil waits until the client's clock reaches until (a window's
// reset decided before the wait began), or until ctx ends, as Wait does.
// The sleeper is asked for the time left and finds until in its context
// (WakeAt): a test's virtual clock moves to that instant, so that several
// waiters for one reset wake together at it, as they do in real time,
// instead of each adding its wait to a clock another waiter already moved.
func (c *Client) WaitUntil(ctx context.Context, until time.Time) error {
	return c.Wait(context.WithValue(ctx, wakeKey{}, until), max(until.Sub(c.now()), 0))
}

type wakeKey struct{}

// WakeAt is the instant a WaitUntil sleeper is to wake at, if it was given one.
func WakeAt(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(wakeKey{}).(time.Time)
	return t, ok
}

// Debugf writes a line to the --debug log, if there is one.
func (c *Client) Debugf(format string, args ...any) { c.logf(format, args...) }

func (c *Client) logf(format string, args ...any) {
	if c.out != nil {
		fmt.Fprintf(c.out, "debug: "+format+"\n", args...)
	}
}
