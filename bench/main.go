//go:build unix

// Command bench measures whether sesame is fast enough to call in a loop:
// `sesame token show` against the start of a Go hello-world, the keychain
// read, `sesame curl` against plain curl, 64 concurrent renewals, memory,
// and the Go benchmarks of the session and header code. Run it from the
// repository with
//
//	go run ./bench
//
// It builds sesame and the hello-world the way the release does (cgo off,
// -trimpath, -ldflags=-s -w), serves the TDX fake in this process, logs in
// with throw-away homes (and a throw-away Secret Service when
// gnome-keyring is installed), and prints a Markdown report that it also
// writes to bench/RESULTS.md. It is not a test: `go test ./...` never runs
// it. It takes under a minute once the Go build cache is warm.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

const (
	tdxUser = sandbox.TDXUser
	// dataPath is the call the curl and proxy rows make: a data call.
	// TeamDynamix limits /api/auth/* to 60 calls a minute and says so in
	// X-RateLimit-* headers, as the fake does, and sesame paces itself to
	// them: the proxy rows' 1,050 getuser calls waited for the window
	// 17 times (a run stopped after 10 minutes), which is not what those
	// rows measure.
	dataPath    = "/api/accounts"
	tdxPassword = sandbox.TDXPassword
)

// Targets from the issue "Fast enough to call in a loop".
const (
	targetStart   = 2.0  // token show ÷ hello-world, medians (issue 27)
	targetCurl    = 1.25 // sesame curl ÷ plain curl, medians
	targetRenew   = 2.0  // 64 concurrent renewals ÷ one login
	targetRSSKiB  = 20 << 10
	concurrentN   = 64
	renewTokenTTL = 3 * time.Second
)

// onlyProxy runs sections 3 and 7 alone; onlyRate section 8; onlyStart
// section 1.
var onlyProxy, onlyRate, onlyStart bool

// expiryTrials is how many times the renewal stampede is measured.
var expiryTrials = 7

func main() {
	runs := flag.Int("runs", 200, "timed runs of each process-start comparison")
	warm := flag.Int("warmup", 20, "untimed runs before timing")
	out := flag.String("out", "bench/RESULTS.md", "where to write the report too (\"\" for stdout only)")
	benchtime := flag.String("benchtime", "300ms", "go test -benchtime for the Go benchmarks")
	keep := flag.Bool("keep", false, "keep the work folder (binaries, homes) and print its path")
	flag.BoolVar(&onlyProxy, "proxy", false, "measure only sesame curl ÷ curl and the proxy (sections 3 and 7), printed, not written")
	flag.BoolVar(&onlyStart, "startup", false, "measure only token show ÷ hello-world and the dependency floor (section 1), printed, not written")
	flag.BoolVar(&onlyRate, "ratelimit", false, "measure only the rate-limit pacing of sesame proxy (section 8), printed, not written")
	flag.IntVar(&expiryTrials, "trials", expiryTrials, "rounds of the concurrent-renewal measurement (each waits out a session)")
	flag.BoolVar(&fleetChaos, "chaos", true, "with -fleet: run the chaos rounds too (false: only token show with a fetch)")
	fleetOnly := flag.Bool("fleet", false, "measure only the fleet (8 hosts × 8 processes through the chaos events; token show with a Redis fetch), written to bench/FLEET.md")
	flag.Parse()
	if *fleetOnly {
		path := *out
		if path == "bench/RESULTS.md" {
			path = "bench/FLEET.md"
		}
		if err := fleetBench(*runs, path); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*runs, *warm, *out, *benchtime, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(runs, warm int, outPath, benchtime string, keep bool) error {
	began := time.Now()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "sesame-bench-")
	if err != nil {
		return err
	}
	if keep {
		logf("work folder %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	r := &report{machine: describeMachine(root), runs: runs, warm: warm}

	// Build.
	logf("building sesame and the hello-world (cgo off, %s)", strings.Join(buildFlags, " "))
	sesame := filepath.Join(work, "sesame")
	hello := filepath.Join(work, "hello")
	rss := filepath.Join(work, "rss")
	sesameCgo := filepath.Join(work, "sesame-cgo")
	if err := goBuild(root, sesame, false); err != nil {
		return err
	}
	if err := buildTiny(filepath.Join(work, "src", "hello"), helloSrc, hello); err != nil {
		return err
	}
	if err := buildTiny(filepath.Join(work, "src", "rss"), rssSrc, rss); err != nil {
		return err
	}
	cgoErr := goBuild(root, sesameCgo, true)
	depsFloor := filepath.Join(work, "depsfloor")
	floorErr := buildDepsFloor(root, filepath.Join(work, "src", "depsfloor"), depsFloor)
	if floorErr != nil {
		logf("no dependency floor: %v", floorErr)
	}

	// The fakes: one TDX with the usual lifetime, one whose JWTs last
	// seconds for the renewal stampede.
	tdx := sandbox.NewTDX(sandbox.Options{})
	tdxURL, stopTDX, err := serve(tdx)
	if err != nil {
		return err
	}
	defer stopTDX()

	fileHome, err := newHome(work, "file", "file")
	if err != nil {
		return err
	}
	if _, err := fileHome.login(sesame, tdxURL); err != nil {
		return err
	}
	tokenShow := func(name, bin string, h *home) proc {
		return proc{name: name, argv: []string{bin, "token", "show"}, env: h.env}
	}
	helloP := proc{name: "hello-world", argv: []string{hello}, env: fileHome.env}
	fileP := tokenShow("sesame token show (file store)", sesame, fileHome)
	if out, errOut, err := fileP.output(); err != nil || !strings.HasPrefix(out, "eyJ") {
		return fmt.Errorf("token show does not print a JWT: %v %q %q", err, out, errOut)
	}

	if onlyRate {
		rr, err := measureRateLimit(work, sesame)
		if err != nil {
			return err
		}
		fmt.Print(rr.markdown())
		return nil
	}
	if onlyProxy {
		return r.proxyOnly(work, sesame, rss, fileHome, helloP, tdxURL, warm, runs)
	}

	// 1. token show vs the process-start floor.
	logf("1/6 token show (file store) vs hello-world: %d runs each", runs)
	procs := []proc{helloP, fileP}
	if floorErr == nil {
		procs = append(procs, proc{name: "hello-world importing sesame's dependencies", argv: []string{depsFloor}, env: fileHome.env})
	}
	if cgoErr == nil {
		procs = append(procs, tokenShow("sesame token show (file store), cgo build", sesameCgo, fileHome))
	}
	s1, err := interleave(procs, warm, runs)
	if err != nil {
		return err
	}
	r.start = s1
	if onlyStart {
		r.took = time.Since(began)
		out := r.markdown()
		if i := strings.Index(out, "\n## Targets"); i >= 0 {
			out = out[i:]
		}
		if i := strings.Index(out, "| 2 |"); i >= 0 {
			if j := strings.Index(out, "## Details"); j > i {
				out = out[:i] + out[j:]
			}
		}
		if i := strings.Index(out, "### 2."); i >= 0 {
			out = out[:i]
		}
		fmt.Print(out)
		return nil
	}

	// 2. The keychain read.
	logf("2/6 token show with the keyring store")
	if ss, err := startSecretService(work); err != nil {
		r.keyringSkip = err.Error()
	} else {
		defer ss.stop()
		kh, err := newHome(work, "keyring", "keyring", "DBUS_SESSION_BUS_ADDRESS="+ss.addr)
		if err == nil {
			_, err = kh.login(sesame, tdxURL)
		}
		if err != nil {
			r.keyringSkip = "skipped: keyring login failed: " + err.Error()
		} else {
			kr := tokenShow("sesame token show (keyring store)", sesame, kh)
			if st, err := interleave([]proc{helloP, fileP, kr}, warm/2, runs/2); err != nil {
				r.keyringSkip = "skipped: " + err.Error()
			} else {
				r.keyring = st
			}
		}
	}

	// 3. sesame curl vs curl with the header by hand.
	logf("3/6 sesame curl vs plain curl")
	if curl, err := exec.LookPath("curl"); err != nil {
		r.curlSkip = "skipped: no curl on PATH"
	} else {
		cfgOut, _, err := proc{argv: []string{sesame, "token", "show", "--format", "curl"}, env: fileHome.env}.output()
		if err != nil {
			return fmt.Errorf("token show --format curl: %v", err)
		}
		cfg := filepath.Join(fileHome.dir, "curl.cfg")
		if err := os.WriteFile(cfg, []byte(cfgOut), 0o600); err != nil {
			return err
		}
		path := dataPath
		plain := proc{name: "curl -K headers.cfg URL", argv: []string{curl, "-sS", "-K", cfg, tdxURL + "/TDWebApi" + path}, env: fileHome.env}
		viaSesame := proc{name: "sesame curl /api/…", argv: []string{sesame, "curl", "-sS", path}, env: fileHome.env}
		for _, p := range []proc{plain, viaSesame} {
			if out, errOut, err := p.output(); err != nil || !strings.Contains(out, `"Path":"`+dataPath) {
				return fmt.Errorf("%s: %v %q %q", p.name, err, out, errOut)
			}
		}
		st, err := interleave([]proc{plain, viaSesame, helloP}, warm/2, runs/2)
		if err != nil {
			return err
		}
		r.curl = st
	}

	// 4. 64 processes renewing one expired session at once.
	logf("4/6 %d concurrent token show on an expired session (%d trials)", concurrentN, expiryTrials)
	if err := r.stampede(work, sesame, hello, fileHome, fileP); err != nil {
		return err
	}

	// 5. Memory and size.
	logf("5/6 peak RSS and binary size")
	if err := r.memory(rss, helloP, fileP, sesame, hello); err != nil {
		return err
	}

	// 6. Go benchmarks.
	logf("6/6 go test -bench (benchtime %s)", benchtime)
	r.gobench, r.gobenchErr = goBenchmarks(root, benchtime)

	// 7. The authenticating proxy.
	logf("7/7 sesame proxy vs direct, and %d MiB streamed", streamMiB)
	if pr, err := measureProxy(work, sesame, rss); err != nil {
		r.proxy = &proxyReport{skip: "failed: " + err.Error()}
	} else {
		r.proxy = pr
	}

	// 8. Rate limits.
	logf("8/8 %d calls through sesame proxy under a limit of %d per %s", rateCalls, rateLimit, rateWindow)
	if rr, err := measureRateLimit(work, sesame); err != nil {
		r.rate = &rateReport{skip: "failed: " + err.Error()}
	} else {
		r.rate = rr
	}

	r.took = time.Since(began)
	md := r.markdown()
	fmt.Print(md)
	if outPath != "" {
		p := outPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
			return err
		}
		logf("wrote %s (%s)", p, r.took.Round(time.Second))
	}
	return nil
}

// stampede measures one login, then concurrentN `token show` started at
// once on a session that has expired on the client's clock, against a
// fake that counts logins. It also times concurrentN hello-worlds and
// concurrentN token shows of a valid session, the floor for that many
// processes on this machine.
func (r *report) stampede(work, sesame, hello string, fileHome *home, fileP proc) error {
	// Day-long tokens while logins are timed: the fake dates a second login
	// of one account in one second a second earlier (so that tokens
	// differ), and eleven quick logins would outlive a 3 s token.
	tdx := sandbox.NewTDX(sandbox.Options{})
	url, stop, err := serve(tdx)
	if err != nil {
		return err
	}
	defer stop()
	h, err := newHome(work, "expiry", "file")
	if err != nil {
		return err
	}
	for i := 0; i < 11; i++ {
		d, err := h.login(sesame, url)
		if err != nil {
			return err
		}
		if i > 0 { // the first one creates the config and folders
			r.loginTimes = append(r.loginTimes, d)
		}
	}
	tdx.SetTTL(renewTokenTTL)
	show := proc{argv: []string{sesame, "token", "show"}, env: h.env}
	for t := 0; t < expiryTrials; t++ {
		if _, err := h.login(sesame, url); err != nil {
			return err
		}
		loggedIn := time.Now()
		// While the session runs out, the floor for this many processes:
		// hello-worlds, and token show of a valid session.
		w, _, err := together(proc{argv: []string{hello}, env: fileHome.env}, concurrentN)
		if err != nil {
			return err
		}
		r.floorHello = append(r.floorHello, w)
		w, _, err = together(fileP, concurrentN)
		if err != nil {
			return err
		}
		r.floorValid = append(r.floorValid, w)
		// The JWT's exp is whole seconds, at most TTL after the login.
		time.Sleep(time.Until(loggedIn.Add(renewTokenTTL + 100*time.Millisecond)))
		if _, _, err := (proc{argv: []string{sesame, "token", "show", "--no-renew"}, env: h.env}).output(); err == nil {
			return fmt.Errorf("the session did not expire after %v", renewTokenTTL)
		}
		before := tdx.Logins()
		wall, outs, err := together(show, concurrentN)
		if err != nil {
			return err
		}
		logins := tdx.Logins() - before
		distinct := map[string]bool{}
		for _, o := range outs {
			distinct[o] = true
		}
		r.stampedes = append(r.stampedes, stampedeTrial{wall: wall, logins: logins, tokens: len(distinct)})
	}
	return nil
}

// together starts n copies of p at once and returns the wall time until
// the last one ended, and their outputs.
func together(p proc, n int) (time.Duration, []string, error) {
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	errOuts := make([]bytes.Buffer, n)
	for i := range cmds {
		c := exec.Command(p.argv[0], p.argv[1:]...)
		c.Env = p.env
		c.Stdout, c.Stderr = &outs[i], &errOuts[i]
		cmds[i] = c
	}
	start := time.Now()
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			return 0, nil, err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, c := range cmds {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Wait() }()
	}
	wg.Wait()
	wall := time.Since(start)
	res := make([]string, n)
	for i := range outs {
		if errs[i] != nil {
			return 0, nil, fmt.Errorf("%v: process %d of %d: %v: %s", p.argv, i+1, n, errs[i], bytes.TrimSpace(errOuts[i].Bytes()))
		}
		res[i] = outs[i].String()
	}
	return wall, res, nil
}

// memory takes the peak RSS of token show and of the hello-world through
// the small launcher, and the binaries' sizes.
func (r *report) memory(rss string, helloP, fileP proc, sesame, hello string) error {
	peak := func(p proc) (int64, error) {
		var best int64
		for i := 0; i < 10; i++ {
			out, errOut, err := proc{argv: append([]string{rss}, p.argv...), env: p.env}.output()
			if err != nil {
				return 0, fmt.Errorf("%s: %v %s", p.name, err, errOut)
			}
			var kib int64
			if _, err := fmt.Sscan(strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &kib); err != nil {
				return 0, fmt.Errorf("%s: no RSS in %q", p.name, out)
			}
			best = max(best, kib)
		}
		return best, nil
	}
	var err error
	if r.rssHello, err = peak(helloP); err != nil {
		return err
	}
	if r.rssShow, err = peak(fileP); err != nil {
		return err
	}
	if fi, err := os.Stat(sesame); err == nil {
		r.sizeSesame = fi.Size()
	}
	if fi, err := os.Stat(hello); err == nil {
		r.sizeHello = fi.Size()
	}
	return nil
}

// moduleRoot is the folder of sesame's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run this from sesame's repository: go run ./bench")
	}
	b, err := os.ReadFile(mod)
	if err != nil || !bytes.Contains(b, []byte("module github.com/sesame-cli/sesame\n")) {
		return "", fmt.Errorf("%s is not sesame's go.mod; run this from sesame's repository", mod)
	}
	return filepath.Dir(mod), nil
}

// machine describes where the numbers come from.
type machine struct {
	cpu, cores, goVersion, os, date, commit, load string
}

func describeMachine(root string) machine {
	m := machine{
		cpu:   "unknown",
		cores: fmt.Sprint(runtime.NumCPU()),
		os:    runtime.GOOS + "/" + runtime.GOARCH,
		date:  time.Now().UTC().Format("2006-01-02 15:04 UTC"),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.os += ", Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.commit += " + uncommitted changes"
		}
	}
	return m
}

func medianOf(ds []time.Duration) time.Duration { return pct(ds, 50) }

func maxOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Max(ds)
}
