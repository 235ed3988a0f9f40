package authproxy

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// MetricsPath is where `sesame proxy --metrics` serves its counters in
// Prometheus text format, on the proxy's own listener and behind its
// token like every request. No vendor path starts with it.
const MetricsPath = "/_sesame/metrics"

// counters are what the proxy has done since it started.
type counters struct {
	requests, slowdowns, renewals atomic.Int64
	waitedNanos                   atomic.Int64
}

func (p *Proxy) count(st forwardStats) {
	p.stats.requests.Add(1)
	p.stats.slowdowns.Add(int64(st.slow))
	p.stats.renewals.Add(int64(st.renewals))
	p.stats.waitedNanos.Add(int64(st.waited))
}

func (p *Proxy) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if len(p.hosts) > 0 && !slices.Contains(p.hosts, strings.ToLower(r.Host)) {
		refuse(w, http.StatusMisdirectedRequest, "this proxy answers to "+p.hosts[0]+" only")
		return
	}
	if !p.authorized(r.Header.Values("Authorization")) {
		refuse(w, http.StatusUnauthorized, "missing or wrong proxy token: send Authorization: Bearer $SESAME_PROXY_TOKEN")
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	metric := func(name, help string, v any) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %v\n", name, help, name, name, v)
	}
	metric("sesame_proxy_requests_total", "Requests the proxy answered.", p.stats.requests.Load())
	metric("sesame_proxy_slowdowns_absorbed_total", "Vendor 429s (and 503s with Retry-After) waited out instead of passed on.", p.stats.slowdowns.Load())
	metric("sesame_proxy_wait_seconds_total", "Seconds requests were held for the vendor's rate limit.", time.Duration(p.stats.waitedNanos.Load()).Seconds())
	metric("sesame_proxy_renewals_total", "Logins made because the vendor ended the session.", p.stats.renewals.Load())
}
