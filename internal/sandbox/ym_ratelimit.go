package sandbox

import (
	"net/http"
)

// YourMembership's rate limit as its public clients meet it: a data call
// over the limit is answered 429 with Retry-After (seconds), and no budget
// headers (MemberJunction's YM connector waits Retry-After, else backs
// off). Options.DataLimited answers that many data calls so.

// throttle answers 429 while Options.DataLimited lasts; it reports whether
// the call may go on.
func (y *YM) throttle(w http.ResponseWriter) bool {
	if y.opts.DataLimited <= 0 {
		return true
	}
	y.mu.Lock()
	limited := y.throttled < y.opts.DataLimited
	if limited {
		y.throttled++
	}
	y.mu.Unlock()
	if !limited {
		return true
	}
	y.Add("data_rate_limited")
	w.Header().Set("Retry-After", "2")
	ymError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after the period given in Retry-After.")
	return false
}
