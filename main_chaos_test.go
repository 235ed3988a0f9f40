package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

// chaosDeadline bounds one chaos round: every process must be served by
// then (a killed holder's 10 s lease + a slowed login + the waits).
const chaosDeadline = 60 * time.Second

// chaos HOSTSxPROCS EVENT
//
// runs `sesame token show` in PROCS processes on each of HOSTS simulated
// hosts at once (host 1 is the script's own home, which logged in; the
// others get their own HOME and config, a renewer role and no password),
// waits until one of them holds the fleet's renewal lock (in the middle of
// the sandbox's slowed login), and then:
//
//	kill9    kills the holder with SIGKILL
//	sigterm  sends the holder SIGTERM (it must exit 130)
//	restart  restarts Redis empty (no persistence)
//	pause    pauses Redis for 2 s (CLIENT PAUSE 2000)
//
// Every other process must exit 0 and all must print the same token, with
// at most 2 vendor logins, within chaosDeadline. It prints one line: the
// processes served, the logins, and the time from the event to the last
// process served. Settings are sesame's defaults.
func cmdChaos(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: chaos HOSTSxPROCS kill9|sigterm|restart|pause")
	}
	hs, ps, ok := strings.Cut(args[0], "x")
	hosts, err1 := strconv.Atoi(hs)
	procs, err2 := strconv.Atoi(ps)
	if !ok || err1 != nil || err2 != nil || hosts < 1 || procs < 1 {
		ts.Fatalf("chaos: %q: want HOSTSxPROCS", args[0])
	}
	event := args[1]
	v, ok := redisServers.Load(ts)
	if !ok {
		ts.Fatalf("chaos: no redis started")
	}
	srv := v.(*redistest.Server)
	admin := srv.Admin()
	defer admin.Close()
	bin, err := exec.LookPath("sesame")
	ts.Check(err)
	vendor := fake(ts, "tdx")
	loginsBefore := vendor.Logins()

	base := []string{
		"PATH=" + ts.Getenv("PATH"),
		"TMPDIR=" + ts.Getenv("TMPDIR"),
		"SESAME_STORE=file",
		"SESAME_FLEET_KEY=" + ts.Getenv("SESAME_FLEET_KEY"),
		clockEnv + "=" + ts.Getenv(clockEnv),
	}
	hostEnv := func(h int) []string {
		if h == 0 {
			return append(base, "HOME="+ts.Getenv("HOME"), "XDG_CONFIG_HOME="+ts.Getenv("XDG_CONFIG_HOME"), "SESAME_CONFIG="+ts.Getenv("SESAME_CONFIG"))
		}
		dir := ts.MkAbs(fmt.Sprintf("chaos-%s/host%d", event, h+1))
		ts.Check(os.MkdirAll(dir, 0o700))
		cfg := filepath.Join(dir, "config.yaml")
		ts.Check(os.WriteFile(cfg, []byte(fmt.Sprintf(`profiles:
  tdx:
    provider: tdx
    url: %s
    mode: user
    username: alice
    store: file
    shared:
      url: %s
      role: renewer
`, ts.Getenv("SANDBOX_TDX_URL"), srv.URL())), 0o600))
		return append(base, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "SESAME_CONFIG="+cfg)
	}

	type proc struct {
		cmd      *exec.Cmd
		out, err bytes.Buffer
		done     chan struct{}
		signaled bool
	}
	var all []*proc
	byPID := map[int]*proc{}
	for h := range hosts {
		env := hostEnv(h)
		for range procs {
			p := &proc{done: make(chan struct{})}
			p.cmd = exec.Command(bin, "token", "show")
			p.cmd.Env = env
			p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
			ts.Check(p.cmd.Start())
			go func() { _ = p.cmd.Wait(); close(p.done) }()
			all = append(all, p)
			byPID[p.cmd.Process.Pid] = p
		}
	}
	killAll := func() {
		for _, p := range all {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}

	// The holder: the lock's value is "host/pid token".
	ctx := context.Background()
	deadline := time.Now().Add(chaosDeadline)
	var holder *proc
	for holder == nil {
		val, _ := admin.Get(ctx, "sesame:lock:tdx").Result()
		if who, _, ok := strings.Cut(val, " "); ok {
			_, pid, _ := strings.Cut(who, "/")
			n, _ := strconv.Atoi(pid)
			holder = byPID[n]
			if holder == nil {
				killAll()
				ts.Fatalf("chaos: the lock is held by %q, none of this round's processes", val)
			}
		}
		if time.Now().After(deadline) {
			killAll()
			ts.Fatalf("chaos: nobody took the renewal lock")
		}
		time.Sleep(5 * time.Millisecond) // polling an outside process
	}
	start := time.Now()
	switch event {
	case "kill9":
		holder.signaled = true
		ts.Check(holder.cmd.Process.Signal(syscall.SIGKILL))
	case "sigterm":
		holder.signaled = true
		ts.Check(holder.cmd.Process.Signal(syscall.SIGTERM))
	case "restart":
		srv.Stop()
		ts.Check(srv.Restart())
	case "pause":
		ts.Check(admin.Do(ctx, "CLIENT", "PAUSE", "2000").Err())
	default:
		killAll()
		ts.Fatalf("chaos: unknown event %q", event)
	}

	var last time.Time
	for _, p := range all {
		select {
		case <-p.done:
		case <-time.After(time.Until(deadline)):
			killAll()
			ts.Fatalf("chaos %s: a process was still waiting after %s", event, chaosDeadline)
		}
		if !p.signaled {
			last = time.Now()
		}
	}
	var token string
	failed := 0
	for _, p := range all {
		code := p.cmd.ProcessState.ExitCode()
		switch {
		case p.signaled && event == "sigterm":
			if code != 130 {
				ts.Logf("the holder, stopped by SIGTERM: exit %d, want 130\n%s", code, p.err.String())
				failed++
			}
		case p.signaled:
		case code != 0:
			ts.Logf("pid %d: exit %d\n%s", p.cmd.Process.Pid, code, p.err.String())
			failed++
		default:
			got := strings.TrimSpace(p.out.String())
			if token == "" {
				token = got
			}
			if got == "" || got != token {
				ts.Logf("pid %d printed %q, another %q", p.cmd.Process.Pid, got, token)
				failed++
			}
		}
	}
	logins := vendor.Logins() - loginsBefore
	if failed > 0 || logins > 2 {
		ts.Fatalf("chaos %s: %d failed calls, %d vendor logins (want 0 and ≤ 2)", event, failed, logins)
	}
	fmt.Fprintf(ts.Stdout(), "chaos %s: %d processes on %d hosts served one token, %d vendor logins, last served %s after the event\n",
		event, len(all), hosts, logins, last.Sub(start).Round(100*time.Millisecond))
}
