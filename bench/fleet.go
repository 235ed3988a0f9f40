//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sesame-cli/sesame/internal/fleet/redistest"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// The fleet's targets (issue "A fleet that survives its own failures").
const (
	fleetHosts     = 8
	fleetProcs     = 8
	fleetLoginSlow = 2 * time.Second // the vendor's login, slowed so that the holder dies mid-login
	fleetKey       = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	// A dead renewer delays the fleet by at most 15 s plus one login.
	targetTakeover = 15*time.Second + fleetLoginSlow
	// A token show that fetches the session from Redis on loopback costs
	// at most this much more than one served from the local copy.
	targetFetch = 2 * time.Millisecond
)

// fleetChaos runs the chaos rounds of -fleet (-chaos=false skips them).
var fleetChaos = true

// fleetBench runs the fleet measurements alone (`go run ./bench -fleet`):
// 8 hosts × 8 processes through the four chaos events with default
// settings, and token show with a fetch from Redis against a cached one.
// It prints a Markdown report and writes it to bench/FLEET.md.
func fleetBench(runs int, outPath string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "sesame-bench-fleet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	sesame := filepath.Join(work, "sesame")
	logf("building sesame (cgo off, %s)", strings.Join(buildFlags, " "))
	if err := goBuild(root, sesame, false); err != nil {
		return err
	}
	srv, err := redistest.New(filepath.Join(work, "redis"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	tdx := sandbox.NewTDX(sandbox.Options{})
	tdxURL, stop, err := serve(tdx)
	if err != nil {
		return err
	}
	defer stop()

	var hosts []*home
	for i := range fleetHosts {
		h, err := newHome(work, fmt.Sprintf("host%d", i+1), "file", "SESAME_FLEET_KEY="+fleetKey)
		if err != nil {
			return err
		}
		hosts = append(hosts, h)
	}
	// Host 1 logs in (and keeps the password); the others are renewers
	// with a config written by hand and no password.
	pw := filepath.Join(hosts[0].dir, "password")
	if err := os.WriteFile(pw, []byte(tdxPassword), 0o600); err != nil {
		return err
	}
	login := proc{name: "login", argv: []string{sesame, "login", "tdx", "--url", sandbox.ProfileURL("tdx", tdxURL), "--username", tdxUser, "--password-stdin", "--shared", srv.URL()}, env: hosts[0].env, stdin: pw}
	if _, errOut, err := login.output(); err != nil {
		return fmt.Errorf("login: %v: %s", err, errOut)
	}
	for _, h := range hosts[1:] {
		cfg := fmt.Sprintf("profiles:\n  tdx:\n    provider: tdx\n    url: %s\n    mode: user\n    username: %s\n    store: file\n    shared:\n      url: %s\n      role: renewer\n",
			sandbox.ProfileURL("tdx", tdxURL), tdxUser, srv.URL())
		path := filepath.Join(h.dir, ".config", "sesame", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			return err
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# Fleet measurements\n\n`go run ./bench -fleet` on %s. Real redis-server on loopback, the TDX sandbox with a %s login, %d hosts (separate HOME and config) × %d processes of `sesame token show` with no valid session anywhere (the fleet's deleted from Redis and every local copy removed before each round: the renewal path of an expired one), default settings.\n\n",
		describeMachine(root).line(), fleetLoginSlow, fleetHosts, fleetProcs)
	b.WriteString("| Event, as soon as one process holds the renewal lock | Processes served | Failed | Vendor logins | Event → last served | Target |\n|---|---|---|---|---|---|\n")
	tdx.SetLoginDelay(fleetLoginSlow)
	events := []string{"kill9", "sigterm", "restart", "pause"}
	if !fleetChaos {
		events = nil
	}
	for _, ev := range events {
		// No valid session anywhere: none in Redis, no local copy.
		if err := forget(srv, hosts); err != nil {
			return err
		}
		before := tdx.Logins()
		res, err := chaosRound(sesame, hosts, srv, ev)
		if err != nil {
			return fmt.Errorf("%s: %w", ev, err)
		}
		target := "—"
		if ev == "kill9" {
			target = fmt.Sprintf("≤ %s: %s", targetTakeover, met(res.last <= targetTakeover))
		}
		fmt.Fprintf(&b, "| %s | %d of %d | %d | %d | %s | %s |\n", ev, res.served, res.total, res.failed, tdx.Logins()-before, res.last.Round(100*time.Millisecond), target)
		logf("chaos %s: %d served, %d failed, %d logins, %s", ev, res.served, res.failed, tdx.Logins()-before, res.last.Round(100*time.Millisecond))
	}
	tdx.SetLoginDelay(0)

	// token show: served from the local copy, against fetched from Redis
	// (the local copy removed before each run, outside the timing).
	if err := tokenFetch(&b, sesame, hosts[1], runs); err != nil {
		return err
	}
	report := b.String()
	fmt.Print(report)
	if outPath != "" {
		return os.WriteFile(filepath.Join(root, outPath), []byte(report), 0o644)
	}
	return nil
}

// forget removes the fleet's session and every host's local copy.
func forget(srv *redistest.Server, hosts []*home) error {
	admin := srv.Admin()
	defer admin.Close()
	if err := admin.Del(context.Background(), "sesame:session:tdx").Err(); err != nil {
		return err
	}
	for _, h := range hosts {
		dir := filepath.Join(h.dir, ".config", "sesame", "sessions")
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			// Keep the record (host 1's saved password), drop its session.
			path := filepath.Join(dir, e.Name())
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rec := map[string]any{}
			if err := json.Unmarshal(b, &rec); err != nil {
				return err
			}
			delete(rec, "session")
			if b, err = json.Marshal(rec); err != nil {
				return err
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

type chaosResult struct {
	total, served, failed int
	last                  time.Duration
}

func chaosRound(sesame string, hosts []*home, srv *redistest.Server, event string) (chaosResult, error) {
	admin := srv.Admin()
	defer admin.Close()
	ctx := context.Background()
	type run struct {
		cmd  *exec.Cmd
		out  bytes.Buffer
		done chan time.Time
	}
	var all []*run
	byPID := map[int]*run{}
	for _, h := range hosts {
		for range fleetProcs {
			r := &run{done: make(chan time.Time, 1)}
			r.cmd = exec.Command(sesame, "token", "show")
			r.cmd.Env = h.env
			r.cmd.Stdout = &r.out
			if err := r.cmd.Start(); err != nil {
				return chaosResult{}, err
			}
			go func() { _ = r.cmd.Wait(); r.done <- time.Now() }()
			all = append(all, r)
			byPID[r.cmd.Process.Pid] = r
		}
	}
	var holder *run
	deadline := time.Now().Add(time.Minute)
	for holder == nil && time.Now().Before(deadline) {
		val, _ := admin.Get(ctx, "sesame:lock:tdx").Result()
		if who, _, ok := strings.Cut(val, " "); ok {
			_, pid, _ := strings.Cut(who, "/")
			n, _ := strconv.Atoi(pid)
			holder = byPID[n]
		}
		time.Sleep(2 * time.Millisecond)
	}
	if holder == nil {
		return chaosResult{}, fmt.Errorf("nobody took the renewal lock")
	}
	start := time.Now()
	switch event {
	case "kill9":
		_ = holder.cmd.Process.Signal(syscall.SIGKILL)
	case "sigterm":
		_ = holder.cmd.Process.Signal(syscall.SIGTERM)
	case "restart":
		if err := srv.Restart(); err != nil {
			return chaosResult{}, err
		}
	case "pause":
		if err := admin.Do(ctx, "CLIENT", "PAUSE", "2000").Err(); err != nil {
			return chaosResult{}, err
		}
	}
	res := chaosResult{total: len(all)}
	tokens := map[string]bool{}
	for _, r := range all {
		end := <-r.done
		if r == holder && (event == "kill9" || event == "sigterm") {
			if event == "sigterm" && r.cmd.ProcessState.ExitCode() != 130 {
				res.failed++
			}
			continue
		}
		if r.cmd.ProcessState.ExitCode() != 0 {
			res.failed++
			continue
		}
		res.served++
		tokens[strings.TrimSpace(r.out.String())] = true
		res.last = max(res.last, end.Sub(start))
	}
	if len(tokens) > 1 {
		res.failed += len(tokens) - 1
	}
	return res, nil
}

// tokenFetch measures token show served from the local copy against one
// that fetches the session from Redis (and writes the local copy).
func tokenFetch(b *strings.Builder, sesame string, h *home, runs int) error {
	p := proc{name: "token show", argv: []string{sesame, "token", "show"}, env: h.env}
	if out, errOut, err := p.output(); err != nil || !strings.HasPrefix(out, "eyJ") {
		return fmt.Errorf("token show on a shared profile: %v %q", err, errOut)
	}
	copyPath := filepath.Join(h.dir, ".config", "sesame", "sessions")
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	var cached, fetched []time.Duration
	for i := range runs + 10 {
		entries, _ := os.ReadDir(copyPath)
		for _, e := range entries {
			_ = os.Remove(filepath.Join(copyPath, e.Name()))
		}
		df, _, err := p.runOnce(devnull)
		if err != nil {
			return err
		}
		dc, _, err := p.runOnce(devnull)
		if err != nil {
			return err
		}
		if i >= 10 {
			fetched, cached = append(fetched, df), append(cached, dc)
		}
	}
	added := medianOf(fetched) - medianOf(cached)
	fmt.Fprintf(b, "\n`token show` on a shared profile, %d runs each, interleaved:\n\n| | Median | p90 |\n|---|---|---|\n", runs)
	fmt.Fprintf(b, "| served from the local copy | %s | %s |\n", ms(medianOf(cached)), ms(pct(cached, 90)))
	fmt.Fprintf(b, "| fetched from Redis (loopback) and copied locally | %s | %s |\n", ms(medianOf(fetched)), ms(pct(fetched, 90)))
	fmt.Fprintf(b, "\nAdded by the fetch: %s median (target ≤ %s: %s).\n", ms(added), ms(targetFetch), met(added <= targetFetch))
	logf("token show: cached %s, fetched %s, added %s", ms(medianOf(cached)), ms(medianOf(fetched)), ms(added))
	return nil
}

func (m machine) line() string {
	return fmt.Sprintf("%s (%s cores), %s, %s, commit %s, load %s, %s", m.cpu, m.cores, m.os, m.goVersion, m.commit, m.load, m.date)
}
