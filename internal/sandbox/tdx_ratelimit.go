package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TeamDynamix's data rate limit, as its Web API "Rate Limiting" guide
// documents it: each method (endpoint template) has its own budget of
// calls per window ("a rate limit on one method does not affect any other
// method"); every rate-limited answer, successful or not, carries
// X-RateLimit-Limit, -Remaining and -Reset (an RFC 1123 date); a call over
// the limit is answered 429. The fake counts in fixed windows that start
// with a method's first call and end on a whole second (so that the
// Reset header, which has whole seconds, is exact), on its injectable
// clock.
//
// Options.DataLimit calls per Options.DataWindow (default 60 s) are
// allowed; Options.DataLimited answers that many data calls with 429 and a
// Reset a few seconds ahead, whatever the budget, as the login limit does.

type tdxWindow struct {
	end     time.Time
	calls   int
	refused int
}

// tdxMethod is the endpoint template a path counts under: numeric and GUID
// segments are ids.
func tdxMethod(method, rest string) string {
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for i, s := range segs {
		if s != "" && (strings.Trim(s, "0123456789") == "" || len(s) == 36 && strings.Count(s, "-") == 4) {
			segs[i] = "{id}"
		} else {
			segs[i] = strings.ToLower(s)
		}
	}
	return strings.ToUpper(method) + " " + strings.Join(segs, "/")
}

// dataRateLimit sets the headers and, over the budget, answers 429; it
// reports whether the call may go on.
func (t *TDX) dataRateLimit(w http.ResponseWriter, r *http.Request, rest string) bool {
	o := t.opts
	if o.DataLimit <= 0 && o.DataLimited <= 0 {
		return true
	}
	limit := o.DataLimit
	if limit <= 0 {
		limit = 60
	}
	win := o.DataWindow
	if win <= 0 {
		win = 60 * time.Second
	}
	key := tdxMethod(r.Method, rest)
	now := t.opts.now()
	t.mu.Lock()
	if t.windows == nil {
		t.windows = map[string]*tdxWindow{}
	}
	cur := t.windows[key]
	if cur == nil || !now.Before(cur.end) {
		end := now.Add(win)
		if f := end.Sub(end.Truncate(time.Second)); f > 0 {
			end = end.Add(time.Second - f)
		}
		cur = &tdxWindow{end: end}
		t.windows[key] = cur
	}
	cur.calls++
	forced := t.dataLimited < o.DataLimited
	if forced {
		t.dataLimited++
	}
	over := o.DataLimit > 0 && cur.calls > o.DataLimit
	remaining := max(limit-cur.calls, 0)
	reset := cur.end
	if forced {
		remaining, reset = 0, now.Truncate(time.Second).Add(4*time.Second)
	}
	refused := forced || over
	if refused {
		cur.refused++
		if n := int64(cur.refused); n > t.maxRefused {
			t.maxRefused = n
		}
	}
	maxRefused := t.maxRefused
	t.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", fmt.Sprint(limit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
	h.Set("X-RateLimit-Reset", reset.UTC().Format(http.TimeFormat))
	if !refused {
		t.Add("data_calls")
		return true
	}
	t.Add("data_rate_limited")
	t.setMax("data_429_window_max", maxRefused)
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": "Too Many Requests"})
	return false
}
