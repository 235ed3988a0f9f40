package authproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// Sending a request again (after a renewal or a 429) needs its body
// again. A body of at most MaxReplay bytes is kept in memory. A larger
// one, up to MaxSpool, is kept in a temp file of this user's (0600, in
// os.TempDir; on Unix unlinked as soon as it is made, so nothing is left
// behind even if sesame is killed; elsewhere removed when the request is
// done), so that a large upload after the vendor ended the session is
// renewed and sent once, never dropped. A body over MaxSpool, or one the
// temp folder cannot take, goes through once: if the vendor then asks
// for a login or a slower pace, the client gets an error status with the
// NotReplayedHeader saying the upload was not sent.

type replayBody struct {
	buf    []byte
	file   *os.File
	stream io.Reader // a body sent once; nil after it went
	size   int64
	used   bool
}

func keepBody(body io.Reader, size, maxSpool int64) (*replayBody, error) {
	if body == nil || body == http.NoBody || size == 0 {
		return &replayBody{}, nil
	}
	if size > maxSpool {
		return &replayBody{stream: body, size: size}, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, MaxReplay+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if len(b) <= MaxReplay {
		return &replayBody{buf: b, size: int64(len(b))}, nil
	}
	rest := io.MultiReader(bytes.NewReader(b), body)
	f, err := spoolFile()
	if err != nil {
		return &replayBody{stream: rest, size: size}, nil
	}
	n, err := io.Copy(f, io.LimitReader(rest, maxSpool+1))
	if err != nil {
		closeSpool(f)
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if n > maxSpool {
		// Too large to keep: what is spooled, then the rest, once.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			closeSpool(f)
			return nil, err
		}
		return &replayBody{file: f, stream: io.MultiReader(f, body), size: size}, nil
	}
	return &replayBody{file: f, size: n}, nil
}

func spoolFile() (*os.File, error) {
	f, err := os.CreateTemp("", "sesame-upload-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		closeSpool(f)
		return nil, err
	}
	if runtime.GOOS != "windows" {
		_ = os.Remove(f.Name())
	}
	return f, nil
}

func closeSpool(f *os.File) {
	_ = f.Close()
	if runtime.GOOS == "windows" {
		_ = os.Remove(f.Name())
	}
}

// replayable reports whether the body can be sent (again).
func (r *replayBody) replayable() bool { return r.stream == nil || !r.used }

// reader is the body for the next send.
func (r *replayBody) reader() io.Reader {
	switch {
	case r.stream != nil:
		return r.stream
	case r.file != nil:
		return io.NewSectionReader(r.file, 0, r.size)
	case r.size > 0:
		return bytes.NewReader(r.buf)
	}
	return nil
}

// sent marks the body as gone once.
func (r *replayBody) sent() { r.used = true }

func (r *replayBody) close() {
	if r.file != nil {
		closeSpool(r.file)
		r.file = nil
	}
}

// closeWith ties the spool's end to the answer's: the transport may still
// be reading the request body while the answer arrives.
func (r *replayBody) closeWith(body io.ReadCloser) io.ReadCloser {
	if r.file == nil {
		return body
	}
	return &spoolCloser{ReadCloser: body, rb: r}
}

type spoolCloser struct {
	io.ReadCloser
	rb *replayBody
}

func (s *spoolCloser) Close() error {
	err := s.ReadCloser.Close()
	s.rb.close()
	return err
}

// notReplayed marks an answer whose request could not be sent again; it
// is never a success status, so that no client takes it for one (a vendor
// that says "log in again" with HTTP 200 gets 401 here).
func (p *Proxy) notReplayed(resp *http.Response, why string) {
	p.dropped.Add(1)
	resp.Header.Set(NotReplayedHeader, why)
	if resp.StatusCode < 400 {
		resp.StatusCode = http.StatusUnauthorized
		resp.Status = "401 Unauthorized"
	}
}

// NotReplayed counts the answers marked with NotReplayedHeader so far: a
// command that ran a client through the proxy (sesame curl) fails when
// any request of its run was not sent.
func (p *Proxy) NotReplayed() int64 { return p.dropped.Load() }

// RateLimited is a wait past sesame's bound (ratelimit.MaxWait a wait,
// ratelimit.MaxRequestWait a request): the request was not sent (again).
type RateLimited struct {
	Vendor string
	What   string // "GET /api/people"
	Until  time.Time
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("%s's rate limit on %s lasts until %s, longer than sesame waits (%s a wait, %s a request); try again then",
		e.Vendor, e.What, e.Until.Local().Format("15:04:05"), durText(ratelimit.MaxWait), durText(ratelimit.MaxRequestWait))
}

func durText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%d s", int(d/time.Second))
}

// slowFloor is the least wait after the n-th "slow down" answer of one
// request: none after the first, then 0.5 s doubling up to a minute.
func slowFloor(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	return min(time.Duration(250<<min(n-1, 8))*time.Millisecond, time.Minute)
}

// tooLong is the error for a wait past the bound; nil when within it.
func (p *Proxy) tooLong(wait time.Duration, until time.Time, what string, st *forwardStats) error {
	if wait <= ratelimit.MaxWait && st.waited+wait <= ratelimit.MaxRequestWait {
		return nil
	}
	return &clierr.Error{Code: clierr.Network, Err: &RateLimited{Vendor: p.dialect.Name(), What: what, Until: until}}
}

// pace holds the request until the budget allows it.
func (p *Proxy) pace(ctx context.Context, key, what string, st *forwardStats) error {
	for {
		wait, until := p.budget.Take(ctx, key)
		if wait <= 0 {
			return nil
		}
		if err := p.tooLong(wait, until, what, st); err != nil {
			return err
		}
		if err := p.waitFor(ctx, wait, until, what, "; pacing under the known budget", st); err != nil {
			return err
		}
	}
}

// waitFor waits on the transport's clock, saying so on stderr when it is
// longer than a second and always in the --debug log.
func (p *Proxy) waitFor(ctx context.Context, wait time.Duration, until time.Time, what, why string, st *forwardStats) error {
	p.o.HTTP.Debugf("waiting %s for %s's rate limit on %s%s", wait.Round(time.Millisecond), p.dialect.Name(), what, why)
	if wait > time.Second && p.o.Waits != nil {
		fmt.Fprintf(p.o.Waits, "sesame: waiting %d s for %s's rate limit on %s (resets %s)\n",
			int((wait+time.Second-1)/time.Second), p.dialect.Name(), what, until.Local().Format("15:04:05"))
	}
	wake := p.o.HTTP.WaitUntil
	if until.IsZero() {
		wake = func(ctx context.Context, _ time.Time) error { return p.o.HTTP.Wait(ctx, wait) }
	}
	if err := wake(ctx, until); err != nil {
		return err
	}
	st.waited += wait
	return nil
}
