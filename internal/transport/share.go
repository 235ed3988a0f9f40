package transport

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// RateShare lets the hosts of a fleet share one rate-limit budget
// (TeamDynamix limits logins per IP address, and runners behind one NAT
// share it): a login request waits until NotBefore plus ResetMargin, the
// window another host was told about, and Seen hears every 429's
// X-RateLimit-Reset, for the others.
type RateShare struct {
	NotBefore time.Time
	Seen      func(reset time.Time)
}

type rateShareKey struct{}

// WithRateShare returns ctx carrying rs for the retryable (login) requests
// sent under it.
func WithRateShare(ctx context.Context, rs *RateShare) context.Context {
	return context.WithValue(ctx, rateShareKey{}, rs)
}

func rateShareOf(ctx context.Context, r *Request) *RateShare {
	if !r.Retry {
		return nil
	}
	rs, _ := ctx.Value(rateShareKey{}).(*RateShare)
	return rs
}

// waitShared waits out a window another host has seen, before the first
// attempt; a window longer than MaxWait is reported instead.
func (c *Client) waitShared(ctx context.Context, rs *RateShare, host string) error {
	if rs == nil || rs.NotBefore.IsZero() {
		return nil
	}
	wait := rs.NotBefore.Add(ResetMargin).Sub(c.now())
	if wait <= 0 {
		return nil
	}
	if r := wait % time.Second; r != 0 {
		wait += time.Second - r
	}
	if wait > MaxWait {
		return clierr.New(clierr.Network, "%s is rate limited for the fleet until %s; try again then", host, rs.NotBefore.Local().Format("15:04:05"))
	}
	c.logf("waiting %s: another host of the fleet was rate limited until X-RateLimit-Reset + 5s", wait)
	if err := c.sleep(ctx, wait); err != nil {
		return clierr.New(clierr.Network, "%s: %w", host, err)
	}
	return nil
}

// tellShared passes a 429's reset on to the fleet.
func tellShared(rs *RateShare, resp *Response) {
	if rs == nil || rs.Seen == nil || resp.Status != http.StatusTooManyRequests {
		return
	}
	if reset, err := http.ParseTime(strings.TrimSpace(resp.Header.Get("X-RateLimit-Reset"))); err == nil {
		rs.Seen(reset)
	}
}
