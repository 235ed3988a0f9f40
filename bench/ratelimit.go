//go:build unix

package main

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// Targets from issue 23 (rate limits).
const (
	targetRateRatio    = 1.15 // completion ÷ the physical minimum
	targetRateAdded    = 300 * time.Microsecond
	rateCalls          = 30 // N
	rateLimit          = 10 // L calls …
	rateWindow         = 2 * time.Second
	rateMargin         = 5 * time.Second // … per W, plus TeamDynamix's margin
	rateClients        = 8
	rateLatencyRequest = 1000
)

// rateReport holds the rate-limit measurements.
type rateReport struct {
	skip string
	// Through sesame proxy, paced.
	viaTook                time.Duration
	viaClient429, viaOther int64
	viaVendor429, viaMax   int64
	// Straight to the fake, each client retrying a 429 after 1 s.
	naiveTook                time.Duration
	naiveVendor429, naiveMax int64
	naiveClientRetries       int64
	directMedian, viaMedian  time.Duration // no limit near
	minimum                  time.Duration
}

// runClients sends n GETs of url from rateClients clients at once; retry
// makes a client send a 429'd call again after a second (the naive way);
// otherwise a 429 is counted as what the client saw.
func runClients(url, token string, n int, retry bool) (took time.Duration, got429, other, retries int64) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: rateClients}}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < rateClients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				for {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := c.Do(req)
					if err != nil {
						atomic.AddInt64(&other, 1)
						break
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusTooManyRequests {
						if retry {
							atomic.AddInt64(&retries, 1)
							time.Sleep(time.Second)
							continue
						}
						atomic.AddInt64(&got429, 1)
					} else if resp.StatusCode != 200 {
						atomic.AddInt64(&other, 1)
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), got429, other, retries
}

// measureRateLimit runs rateCalls calls of one method, limited to
// rateLimit per rateWindow, from rateClients clients: through `sesame
// proxy`, and straight to the fake with naive retry; then the proxy's
// added latency when no limit is near.
func measureRateLimit(work, sesame string) (*rateReport, error) {
	rr := &rateReport{}
	windows := int(math.Ceil(float64(rateCalls) / rateLimit))
	// The last window's calls go at its start: what no client can beat is
	// one window plus the margin for every window before it.
	rr.minimum = time.Duration(windows-1) * (rateWindow + rateMargin)

	limited := sandbox.NewTDX(sandbox.Options{DataLimit: rateLimit, DataWindow: rateWindow})
	url, stop, err := serve(limited)
	if err != nil {
		return nil, err
	}
	defer stop()
	open := sandbox.NewTDX(sandbox.Options{DataLimit: 1 << 30, DataWindow: time.Hour})
	openURL, stopOpen, err := serve(open)
	if err != nil {
		return nil, err
	}
	defer stopOpen()

	proxy := func(name, url string) (map[string]string, string, func(), error) {
		h, err := newHome(work, name, "file")
		if err != nil {
			return nil, "", nil, err
		}
		if _, err := h.login(sesame, url); err != nil {
			return nil, "", nil, err
		}
		jwt, _, err := proc{argv: []string{sesame, "token", "show"}, env: h.env}.output()
		if err != nil {
			return nil, "", nil, err
		}
		envFile := filepath.Join(h.dir, "proxy.env")
		cmd := exec.Command(sesame, "proxy", "--env-file", envFile)
		cmd.Env = h.env
		if err := cmd.Start(); err != nil {
			return nil, "", nil, err
		}
		stop := func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
		vars, err := awaitEnvFile(envFile)
		if err != nil {
			stop()
			return nil, "", nil, err
		}
		return vars, strings.TrimSpace(jwt), stop, nil
	}

	// Through the proxy: one budget for all clients.
	vars, _, stopProxy, err := proxy("ratelimit", url)
	if err != nil {
		return nil, err
	}
	const path = "/api/tickets/42"
	rr.viaTook, rr.viaClient429, rr.viaOther, _ = runClients(vars["TDX_BASE_URL"]+path, vars["SESAME_PROXY_TOKEN"], rateCalls, false)
	stopProxy()
	rr.viaVendor429, rr.viaMax = limited.Get("data_rate_limited"), limited.Get("data_429_window_max")

	// Straight to a fresh fake, naive retry.
	naive := sandbox.NewTDX(sandbox.Options{DataLimit: rateLimit, DataWindow: rateWindow})
	naiveURL, stopNaive, err := serve(naive)
	if err != nil {
		return nil, err
	}
	defer stopNaive()
	naiveJWT, err := fakeJWT(naiveURL)
	if err != nil {
		return nil, err
	}
	var other int64
	rr.naiveTook, _, other, rr.naiveClientRetries = runClients(naiveURL+"/TDWebApi"+path, naiveJWT, rateCalls, true)
	if other > 0 {
		return nil, fmt.Errorf("naive clients: %d failed calls", other)
	}
	rr.naiveVendor429, rr.naiveMax = naive.Get("data_rate_limited"), naive.Get("data_429_window_max")

	// No limit near: the proxy's added latency.
	vars, jwt, stopProxy, err := proxy("ratelimit-open", openURL)
	if err != nil {
		return nil, err
	}
	defer stopProxy()
	if rr.directMedian, err = latency(openURL+"/TDWebApi"+path, jwt); err != nil {
		return nil, err
	}
	if rr.viaMedian, err = latency(vars["TDX_BASE_URL"]+path, vars["SESAME_PROXY_TOKEN"]); err != nil {
		return nil, err
	}
	return rr, nil
}

func (rr *rateReport) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("### 8. Rate limits (issue 23)\n\n")
	if rr.skip != "" {
		w("%s\n\n", rr.skip)
		return b.String()
	}
	ratio := float64(rr.viaTook) / float64(rr.minimum)
	added := rr.viaMedian - rr.directMedian
	windows := int(math.Ceil(float64(rateCalls) / rateLimit))
	w("%d GETs of one method from %d clients at once; the fake allows %d per %s window (TeamDynamix's margin: %s); physical minimum (%d windows) %s.\n\n",
		rateCalls, rateClients, rateLimit, rateWindow, rateMargin, windows, rr.minimum)
	w("| measure | figure | target | |\n| --- | --- | --- | --- |\n")
	w("| completion through `sesame proxy` ÷ minimum | %.2f× (%s) | ≤ %.2f× | %s |\n", ratio, rr.viaTook.Round(time.Millisecond), targetRateRatio, met(ratio <= targetRateRatio))
	w("| 429s reaching clients through the proxy | %d (other errors %d) | 0 | %s |\n", rr.viaClient429, rr.viaOther, met(rr.viaClient429 == 0 && rr.viaOther == 0))
	w("| vendor 429s through the proxy (most in one window) | %d (%d) | ≤ 1 per window | %s |\n", rr.viaVendor429, rr.viaMax, met(rr.viaMax <= 1))
	w("| same clients straight to the fake, retrying a 429 after 1 s | %s, %d vendor 429s (most in one window %d) | – | |\n", rr.naiveTook.Round(time.Millisecond), rr.naiveVendor429, rr.naiveMax)
	w("| proxy added p50 latency, no limit near (%d keep-alive GETs) | %s (%s via proxy vs %s direct) | ≤ %s | %s |\n\n", rateLatencyRequest, us(added), us(rr.viaMedian), us(rr.directMedian), us(targetRateAdded), met(added <= targetRateAdded))
	return b.String()
}

// fakeJWT logs in to a TDX fake as its test user.
func fakeJWT(url string) (string, error) {
	resp, err := http.Post(url+"/TDWebApi/api/auth/login", "application/json",
		strings.NewReader(`{"username":"`+tdxUser+`","password":"`+tdxPassword+`"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("fake login: HTTP %d %v", resp.StatusCode, err)
	}
	return strings.TrimSpace(string(b)), nil
}
