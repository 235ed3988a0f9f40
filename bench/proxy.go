//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// Targets from issue 15 (the authenticating proxy).
const (
	targetProxyAddedMedian = 300 * time.Microsecond
	targetProxyThroughput  = 0.7
	targetProxyRSSKiB      = 30 << 10
	targetStreamRSSKiB     = 50 << 10
	proxyRequests          = 1000
	proxyWorkers           = 8
	streamMiB              = 300
)

// proxyReport holds the proxy measurements.
type proxyReport struct {
	skip                      string
	directMedian, viaMedian   time.Duration
	directRate, viaRate       float64 // requests per second, proxyWorkers at once
	proxyRSS                  int64   // KiB, VmHWM of `sesame proxy` after the runs
	streamCurlRSS             int64   // KiB, peak of `sesame curl -o /dev/null` of streamMiB
	streamProxyRSS            int64   // KiB, VmHWM of `sesame proxy` after streaming streamMiB
	streamCurlTook, streamDir time.Duration
}

// bigTDX is the TDX fake plus /TDWebApi/_big, streamMiB of bytes for any
// request that carries an Authorization header.
func bigTDX() http.Handler {
	tdx := sandbox.NewTDX(sandbox.Options{})
	chunk := make([]byte, 1<<20)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/TDWebApi/_big" {
			tdx.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(streamMiB<<20))
		for i := 0; i < streamMiB; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
}

// measureProxy compares 1,000 keep-alive requests straight to the fake
// with the same through `sesame proxy`, and streams streamMiB through
// `sesame curl` and through the proxy, taking peak RSS.
func measureProxy(work, sesame, rss string) (*proxyReport, error) {
	pr := &proxyReport{}
	url, stop, err := serve(bigTDX())
	if err != nil {
		return nil, err
	}
	defer stop()
	h, err := newHome(work, "proxy", "file")
	if err != nil {
		return nil, err
	}
	if _, err := h.login(sesame, url); err != nil {
		return nil, err
	}
	jwt, _, err := proc{argv: []string{sesame, "token", "show"}, env: h.env}.output()
	if err != nil {
		return nil, err
	}
	jwt = strings.TrimSpace(jwt)

	envFile := filepath.Join(h.dir, "proxy.env")
	cmd := exec.Command(sesame, "proxy", "--env-file", envFile)
	cmd.Env = h.env
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	vars, err := awaitEnvFile(envFile)
	if err != nil {
		return nil, err
	}
	direct := url + "/TDWebApi" + dataPath
	via := vars["TDX_BASE_URL"] + dataPath
	tok := vars["SESAME_PROXY_TOKEN"]

	// Latency: one keep-alive connection, one request at a time.
	if pr.directMedian, err = latency(direct, jwt); err != nil {
		return nil, err
	}
	if pr.viaMedian, err = latency(via, tok); err != nil {
		return nil, err
	}
	// Throughput: proxyWorkers keep-alive connections at once.
	if pr.directRate, err = throughput(direct, jwt); err != nil {
		return nil, err
	}
	if pr.viaRate, err = throughput(via, tok); err != nil {
		return nil, err
	}
	pr.proxyRSS = vmHWM(cmd.Process.Pid)

	// 300 MiB through the proxy, then through sesame curl.
	start := time.Now()
	if err := download(vars["TDX_BASE_URL"]+"/_big", tok); err != nil {
		return nil, err
	}
	pr.streamDir = time.Since(start)
	pr.streamProxyRSS = vmHWM(cmd.Process.Pid)

	start = time.Now()
	out, errOut, err := proc{argv: []string{rss, sesame, "curl", "-sS", "-o", "/dev/null", "/_big"}, env: h.env}.output()
	if err != nil {
		return nil, fmt.Errorf("sesame curl of %d MiB: %v %s", streamMiB, err, errOut)
	}
	pr.streamCurlTook = time.Since(start)
	fields := strings.Fields(out)
	if len(fields) > 0 {
		pr.streamCurlRSS, _ = strconv.ParseInt(fields[len(fields)-1], 10, 64)
	}
	return pr, nil
}

func awaitEnvFile(path string) (map[string]string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), "SESAME_PROXY_TOKEN=") {
			m := map[string]string{}
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				k, v, _ := strings.Cut(sc.Text(), "=")
				m[k] = v
			}
			return m, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sesame proxy wrote no %s within 10s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(c *http.Client, url, token string) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

func latency(url, token string) (time.Duration, error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for i := 0; i < 50; i++ { // warm-up
		if err := get(c, url, token); err != nil {
			return 0, err
		}
	}
	ds := make([]time.Duration, 0, proxyRequests)
	for i := 0; i < proxyRequests; i++ {
		start := time.Now()
		if err := get(c, url, token); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

func throughput(url, token string) (float64, error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: proxyWorkers}}
	var wg sync.WaitGroup
	errs := make(chan error, proxyWorkers)
	start := time.Now()
	for w := 0; w < proxyWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < proxyRequests/proxyWorkers; i++ {
				if err := get(c, url, token); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(proxyRequests) / time.Since(start).Seconds(), nil
}

func download(url, token string) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && n != streamMiB<<20 {
		err = fmt.Errorf("downloaded %d bytes, want %d", n, streamMiB<<20)
	}
	return err
}

// vmHWM is a process's peak resident set in KiB (Linux), 0 elsewhere.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// proxyMarkdown renders the proxy section.
func (pr *proxyReport) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("### 7. The authenticating proxy (issue 15)\n\n")
	if pr.skip != "" {
		w("%s\n\n", pr.skip)
		return b.String()
	}
	added := pr.viaMedian - pr.directMedian
	rate := pr.viaRate / pr.directRate
	kib := func(k int64) string { return fmt.Sprintf("%.1f MiB", float64(k)/1024) }
	w("| measure | figure | target | |\n| --- | --- | --- | --- |\n")
	w("| added median latency, %d keep-alive GETs one at a time | %s (%s via proxy vs %s direct) | ≤ %s | %s |\n", proxyRequests, us(added), us(pr.viaMedian), us(pr.directMedian), us(targetProxyAddedMedian), met(added <= targetProxyAddedMedian))
	w("| throughput via proxy ÷ direct, %d GETs on %d keep-alive connections | %.2f× (%.0f vs %.0f req/s) | ≥ %.2f× | %s |\n", proxyRequests, proxyWorkers, rate, pr.viaRate, pr.directRate, targetProxyThroughput, met(rate >= targetProxyThroughput))
	w("| peak RSS of `sesame proxy` after those | %s | ≤ %s | %s |\n", kib(pr.proxyRSS), kib(targetProxyRSSKiB), met(pr.proxyRSS <= targetProxyRSSKiB))
	w("| peak RSS of `sesame proxy` after streaming %d MiB (%s) | %s | < %s | %s |\n", streamMiB, pr.streamDir.Round(time.Millisecond), kib(pr.streamProxyRSS), kib(targetStreamRSSKiB), met(pr.streamProxyRSS < targetStreamRSSKiB))
	w("| peak RSS of `sesame curl -o /dev/null` of %d MiB (%s) | %s | < %s | %s |\n\n", streamMiB, pr.streamCurlTook.Round(time.Millisecond), kib(pr.streamCurlRSS), kib(targetStreamRSSKiB), met(pr.streamCurlRSS > 0 && pr.streamCurlRSS < targetStreamRSSKiB))
	return b.String()
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }

// proxyOnly measures sesame curl ÷ curl -K and the proxy, and prints them.
func (r *report) proxyOnly(work, sesame, rss string, fileHome *home, helloP proc, tdxURL string, warm, runs int) error {
	curl, err := exec.LookPath("curl")
	if err != nil {
		return err
	}
	cfgOut, _, err := proc{argv: []string{sesame, "token", "show", "--format", "curl"}, env: fileHome.env}.output()
	if err != nil {
		return err
	}
	cfg := filepath.Join(fileHome.dir, "curl.cfg")
	if err := os.WriteFile(cfg, []byte(cfgOut), 0o600); err != nil {
		return err
	}
	plain := proc{name: "curl -K headers.cfg URL", argv: []string{curl, "-sS", "-K", cfg, tdxURL + "/TDWebApi" + dataPath}, env: fileHome.env}
	viaSesame := proc{name: "sesame curl /api/…", argv: []string{sesame, "curl", "-sS", dataPath}, env: fileHome.env}
	st, err := interleave([]proc{plain, viaSesame, helloP}, warm/2, runs/2)
	if err != nil {
		return err
	}
	x := float64(st[1].median()) / float64(st[0].median())
	fmt.Printf("| `sesame curl` ÷ plain `curl -K` (%d runs each) | %.2f× (%s vs %s; p90 %s vs %s) | ≤ %.2f× | %s |\n\n",
		len(st[0].wall), x, ms(st[1].median()), ms(st[0].median()), ms(st[1].p90()), ms(st[0].p90()), targetCurl, met(x <= targetCurl))
	pr, err := measureProxy(work, sesame, rss)
	if err != nil {
		return err
	}
	fmt.Print(pr.markdown())
	return nil
}
