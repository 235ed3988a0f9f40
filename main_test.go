package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/cmd"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/scripts (only for output you have read)")

// clockEnv carries a test's clock offset to the sesame processes it runs.
const clockEnv = "SESAME_TEST_CLOCK_OFFSET"

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sesame": func() {
			offset, _ := time.ParseDuration(os.Getenv(clockEnv))
			// A wait between retries (a rate limit's reset) moves this
			// process's clock instead of sleeping, and says so on stderr
			// with SESAME_TEST_SHOW_SLEEP=1 for the scripts to check.
			var slept atomic.Int64
			now := func() time.Time { return time.Now().Add(offset + time.Duration(slept.Load())) }
			// With `sharedclock` the fakes and every sesame process share
			// one virtual clock (ratelimit_script_test.go).
			shared := os.Getenv(clockFileEnv)
			base := func() time.Time { return time.Now().Add(offset) }
			if shared != "" {
				now = func() time.Time { return base().Add(clockAhead(shared)) }
			}
			code := cmd.ExecuteAt(now, func(ctx context.Context, d time.Duration) error {
				if os.Getenv("SESAME_TEST_SHOW_SLEEP") == "1" {
					fmt.Fprintf(os.Stderr, "test clock: slept %s\n", d.Round(time.Second))
				}
				if shared != "" {
					// Wake at the instant the wait was decided for, not d
					// after a clock that another waiter may have moved
					// meanwhile: concurrent waiters end at the latest of
					// their deadlines, never at their sum.
					wake, ok := transport.WakeAt(ctx)
					if !ok {
						wake = now().Add(d)
					}
					return sharedSleep(ctx, shared, base, wake)
				}
				slept.Add(int64(d))
				return ctx.Err()
			})
			writeRSS()
			// The exit code, for the script's `status N` (testscript keeps
			// only "failed or not").
			if work := os.Getenv("WORK"); work != "" {
				_ = os.WriteFile(filepath.Join(work, ".sesame-exit"), []byte(strconv.Itoa(code)), 0o600)
			}
			os.Exit(code)
		},
		"ptyrun": ptyRunMain,
	})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/scripts",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			// os.UserConfigDir on Windows; without it the scripts could
			// not run there.
			env.Setenv("APPDATA", filepath.Join(home, "AppData", "Roaming"))
			env.Setenv("SESAME_CONFIG", filepath.Join(home, ".config", "sesame", "config.yaml"))
			env.Setenv("SESAME_STORE", "file")
			env.Setenv("SESSIONS", filepath.Join(home, ".config", "sesame", "sessions"))
			// A -race binary sleeps a second at exit (GORACE
			// atexit_sleep_ms=1000) to let late races report; every
			// `exec sesame` paid it, and that wait was most of the suite.
			env.Setenv("GORACE", quickRaceExit(os.Getenv("GORACE")))
			env.Values[worldKey{}] = &world{fakes: map[string]sandbox.Vendor{}, servers: map[string]*httptest.Server{}}
			// The real-keychain run (.ci/keyring-tests.sh) hands its D-Bus
			// session to the scripts that ask for [keyring].
			if keyringRun() {
				for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
					if v := os.Getenv(k); v != "" {
						env.Setenv(k, v)
					}
				}
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "keyring":
				return keyringRun(), nil
			case "dbus":
				// The keychain is a Secret Service over D-Bus, which can be
				// missing; Windows and macOS always have theirs.
				return runtime.GOOS != "windows" && runtime.GOOS != "darwin", nil
			}
			if cond == "redis" {
				return redisCondition(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: withCmds(withCmds(rateLimitCmds, proxyCmds), map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox":   cmdSandbox,
			"clock":     cmdClock,
			"logins":    cmdLogins,
			"expire":    cmdExpire,
			"stat":      cmdStat,
			"hostile":   cmdHostile,
			"status":    cmdStatus,
			"hide":      cmdHide,
			"lines":     cmdLines,
			"awaithits": cmdAwaitHits,
			"nosecrets": cmdNoSecrets,
			"noforms":   cmdNoForms,
			"setsecret": cmdSetSecret,
			"awaitfile": cmdAwaitFile,
			"freeports": cmdFreePorts,
			"awaithttp": cmdAwaitHTTP,
			"redis":     cmdRedis,
			"envsubst":  cmdEnvsubst,
			"sigterm":   cmdSigterm,
			"fakettl":   cmdFakeTTL,
			"jwtclaims": cmdJWTClaims,
			"down":      cmdDown,
			"chaos":     cmdChaos,
			"slowlogin": cmdSlowLogin,
		}),
	})
}

// keyringRun reports whether a real Secret Service is there for the scripts
// (SESAME_KEYRING_TESTS=1 and a session bus address).
func keyringRun() bool {
	return os.Getenv("SESAME_KEYRING_TESTS") == "1" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

type worldKey struct{}

// world is one script's fakes and clock.
type world struct {
	mu        sync.Mutex
	offset    time.Duration
	clockFile string // the shared clock (sharedclock), if any
	fakes     map[string]sandbox.Vendor
	// servers serve the fakes, for `down`.
	servers map[string]*httptest.Server

	hostileHits atomic.Int64
}

func (w *world) now() time.Time {
	w.mu.Lock()
	off, file := w.offset, w.clockFile
	w.mu.Unlock()
	return time.Now().Add(off + clockAhead(file))
}

func worldOf(ts *testscript.TestScript) *world { return ts.Value(worldKey{}).(*world) }

// sandbox NAME [ttl=DURATION] [ratelimit=N] [datalimit=N] [datawindow=D] [data429=N] [slowlogin=DURATION] [skew=DURATION] [step1=header|cookie|none] [end=rpc]
// starts a fake vendor server and sets SANDBOX_<NAME>_URL (the profile URL)
// and SANDBOX_<NAME>_BASE (the server root).
func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: sandbox NAME [ttl=DURATION] [ratelimit=N] [skew=DURATION] [step1=MODE] [end=rpc]")
	}
	w := worldOf(ts)
	o := sandbox.Options{Now: w.now}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "ttl":
			d, err := time.ParseDuration(v)
			ts.Check(err)
			o.TTL = d
		case "ratelimit": // TDX: answer this many auth calls with 429
			n, err := strconv.Atoi(v)
			ts.Check(err)
			o.RateLimited = n
		case "slowlogin": // TDX: each login answers after this long (real time)
			d, err := time.ParseDuration(v)
			ts.Check(err)
			o.LoginDelay = d
		case "skew": // TDX: the server's clock is off by this much
			d, err := time.ParseDuration(v)
			ts.Check(err)
			o.TokenSkew = d
		case "datalimit": // TDX: data calls allowed per method and window
			n, err := strconv.Atoi(v)
			ts.Check(err)
			o.DataLimit = n
		case "datawindow": // TDX: the data rate limit's window
			d, err := time.ParseDuration(v)
			ts.Check(err)
			o.DataWindow = d
		case "data429": // TDX, YM: answer this many data calls with 429
			n, err := strconv.Atoi(v)
			ts.Check(err)
			o.DataLimited = n
		case "step1": // AMS: header, cookie or none
			o.Step1 = v
		case "end": // AMS: rpc ends sessions with HTTP 200 + rpc exception
			o.RPCSessionEnd = v == "rpc"
		default:
			ts.Fatalf("unknown sandbox option %q", a)
		}
	}
	v, err := sandbox.New(args[0], o)
	ts.Check(err)
	srv := httptest.NewServer(v)
	ts.Defer(srv.Close)
	w.fakes[args[0]] = v
	w.servers[args[0]] = srv
	name := strings.ToUpper(args[0])
	ts.Setenv("SANDBOX_"+name+"_URL", sandbox.ProfileURL(args[0], srv.URL))
	ts.Setenv("SANDBOX_"+name+"_BASE", srv.URL)
}

// clock +DURATION moves the clock of the fakes and of sesame forward.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: clock +DURATION")
	}
	d, err := time.ParseDuration(strings.TrimPrefix(args[0], "+"))
	ts.Check(err)
	w := worldOf(ts)
	w.mu.Lock()
	w.offset += d
	off := w.offset
	w.mu.Unlock()
	ts.Setenv(clockEnv, off.String())
}

func fake(ts *testscript.TestScript, name string) sandbox.Vendor {
	v, ok := worldOf(ts).fakes[name]
	if !ok {
		ts.Fatalf("no sandbox %q started", name)
	}
	return v
}

// logins NAME N asserts how many successful logins the fake has seen.
func cmdLogins(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: logins NAME N")
	}
	want, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	got := fake(ts, args[0]).Logins()
	if (got == want) == neg {
		ts.Fatalf("%s logins: got %d, want %s%d", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// down NAME stops the fake's server: its address then refuses connections,
// as a vendor that is down (or a network that is) would.
func cmdDown(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: down NAME")
	}
	srv, ok := worldOf(ts).servers[args[0]]
	if !ok {
		ts.Fatalf("no sandbox %q started", args[0])
	}
	srv.Close()
}

// slowlogin NAME DURATION makes the fake answer each login after DURATION
// (real time) from now on, so that a client can be stopped mid-login.
func cmdSlowLogin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: slowlogin NAME DURATION")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	v, ok := fake(ts, args[0]).(interface{ SetLoginDelay(time.Duration) })
	if !ok {
		ts.Fatalf("the %s sandbox cannot slow its login", args[0])
	}
	v.SetLoginDelay(d)
}

// expire NAME ends every session the fake has issued.
func cmdExpire(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: expire NAME")
	}
	fake(ts, args[0]).Expire()
}

// fakettl NAME DURATION changes how long the sessions a fake issues from
// now on last (a tenant's session policy changing).
func cmdFakeTTL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fakettl NAME DURATION")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	f, ok := fake(ts, args[0]).(interface{ SetTTL(time.Duration) })
	if !ok {
		ts.Fatalf("%s cannot change its session length", args[0])
	}
	f.SetTTL(d)
}

// jwtclaims FILE NAME… asserts that the JWT in FILE carries exactly these
// claims, in this order, its times (nbf, exp, iat) whole seconds, and
// exp − nbf one day.
func cmdJWTClaims(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: jwtclaims FILE NAME...")
	}
	parts := strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), ".")
	if len(parts) != 3 {
		ts.Fatalf("%s holds no JWT", args[0])
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	ts.Check(err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		ts.Fatalf("claims: %v", err)
	}
	var names []string
	times := map[string]int64{}
	for dec.More() {
		k, err := dec.Token()
		ts.Check(err)
		var v any
		ts.Check(dec.Decode(&v))
		name := k.(string)
		names = append(names, name)
		if name == "nbf" || name == "exp" || name == "iat" {
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil || i > 1e11 {
				ts.Fatalf("%s = %v: not NumericDate seconds", name, v)
			}
			times[name] = i
		}
	}
	if strings.Join(names, " ") != strings.Join(args[1:], " ") {
		ts.Fatalf("claims %s, want %s", strings.Join(names, " "), strings.Join(args[1:], " "))
	}
	if d := times["exp"] - times["nbf"]; d != 86400 {
		ts.Fatalf("exp - nbf = %d, want 86400", d)
	}
}

// stat NAME KEY N asserts a named counter of the fake (see /_sandbox/stats).
func cmdStat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: stat NAME KEY N")
	}
	want, err := strconv.ParseInt(args[2], 10, 64)
	ts.Check(err)
	c, ok := fake(ts, args[0]).(interface{ Get(string) int64 })
	if !ok {
		ts.Fatalf("%s keeps no named counters", args[0])
	}
	if got := c.Get(args[1]); (got == want) == neg {
		ts.Fatalf("%s %s: got %d, want %d", args[0], args[1], got, want)
	}
}

// status N asserts the exit code of the last sesame run.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: status N")
	}
	b, err := os.ReadFile(ts.MkAbs(".sesame-exit"))
	ts.Check(err)
	if got := strings.TrimSpace(string(b)); got != args[0] {
		ts.Fatalf("sesame exited %s, want %s", got, args[0])
	}
}

// hide PROGRAM drops from PATH every folder that holds PROGRAM (sesame's
// own folder stays).
func cmdHide(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hide PROGRAM")
	}
	var keep []string
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, args[0])); err == nil {
			continue
		}
		keep = append(keep, dir)
	}
	ts.Setenv("PATH", strings.Join(keep, string(os.PathListSeparator)))
}

// lines FILE TOTAL DISTINCT asserts how many non-empty lines FILE has, and
// how many different ones.
func cmdLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: lines FILE TOTAL DISTINCT")
	}
	seen := map[string]bool{}
	total := 0
	for _, l := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			total++
			seen[l] = true
		}
	}
	if fmt.Sprint(total) != args[1] || fmt.Sprint(len(seen)) != args[2] {
		ts.Fatalf("%s: %d lines, %d distinct; want %s and %s", args[0], total, len(seen), args[1], args[2])
	}
}

// nosecrets PROFILE FILE... asserts that no secret the file store holds for
// PROFILE (the saved secret, the token, every secret field) appears in any
// of the files.
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: nosecrets PROFILE FILE...")
	}
	var rec struct {
		Secret  string `json:"secret"`
		Session struct {
			Token        string            `json:"token"`
			SecretFields map[string]string `json:"secret_fields"`
		} `json:"session"`
	}
	raw := ts.ReadFile(filepath.Join(ts.Getenv("SESSIONS"), args[0]+".json"))
	ts.Check(json.Unmarshal([]byte(raw), &rec))
	secrets := map[string]string{"saved secret": rec.Secret, "token": rec.Session.Token}
	for k, v := range rec.Session.SecretFields {
		secrets[k] = v
	}
	if rec.Session.Token == "" {
		ts.Fatalf("profile %s has no stored token to look for", args[0])
	}
	for _, f := range args[1:] {
		text := ts.ReadFile(f)
		for what, v := range secrets {
			if len(v) >= 4 && strings.Contains(text, v) {
				ts.Fatalf("%s of profile %s appears in %s", what, args[0], f)
			}
		}
	}
}

// noforms SECRET FILE... asserts that no form of SECRET appears in any of
// the files: raw, JSON-escaped (with and without HTML escapes), URL-escaped
// (query and path), base64 (standard and URL, padded or not), inside HTTP
// Basic's base64("USER:SECRET") for the sandbox's users, JSON quoted in
// JSON, and a URL-escaped path quoted in JSON. The forms are
// computed here, not by internal/redact, so that a form redact forgets is
// caught.
func cmdNoForms(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: noforms SECRET FILE...")
	}
	secret := args[0]
	htmlJSON, _ := json.Marshal(secret)
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	ts.Check(enc.Encode(secret))
	p := strings.TrimSpace(plain.String())
	forms := map[string]string{
		"raw":           secret,
		"JSON":          string(htmlJSON[1 : len(htmlJSON)-1]),
		"plain JSON":    p[1 : len(p)-1],
		"query-escaped": url.QueryEscape(secret),
		"path-escaped":  url.PathEscape(secret),
		"base64":        base64.StdEncoding.EncodeToString([]byte(secret)),
		"raw base64":    base64.RawStdEncoding.EncodeToString([]byte(secret)),
		"base64url":     base64.URLEncoding.EncodeToString([]byte(secret)),
		"raw base64url": base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	// JSON quoted inside JSON, and a URL-escaped path quoted in JSON.
	inner, _ := json.Marshal(string(htmlJSON[1 : len(htmlJSON)-1]))
	forms["JSON in JSON"] = string(inner[1 : len(inner)-1])
	pathJSON, _ := json.Marshal(url.PathEscape(secret))
	forms["path-escaped in JSON"] = string(pathJSON[1 : len(pathJSON)-1])
	for _, user := range []string{"alice", "coach.carter", "jdoe", "SANDBOX-API-KEY", "sandbox-consumer-key"} {
		forms["Basic "+user] = base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))
	}
	for _, f := range args[1:] {
		text := ts.ReadFile(f)
		for what, v := range forms {
			if strings.Contains(text, v) {
				ts.Fatalf("the %s form of the secret (%s) appears in %s", what, v, f)
			}
		}
	}
}

// setsecret PROFILE NAME VALUE adds a secret field to PROFILE's stored
// session in the file store (\n in VALUE is a newline), for secrets of a
// shape no sandbox issues: multi-line, very short. The rest of the record
// is kept as it is.
func cmdSetSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: setsecret PROFILE NAME VALUE")
	}
	path := filepath.Join(ts.Getenv("SESSIONS"), args[0]+".json")
	var rec map[string]any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &rec))
	sess, ok := rec["session"].(map[string]any)
	if !ok {
		ts.Fatalf("%s holds no session", path)
	}
	fields, _ := sess["secret_fields"].(map[string]any)
	if fields == nil {
		fields = map[string]any{}
	}
	fields[args[1]] = strings.ReplaceAll(args[2], `\n`, "\n")
	sess["secret_fields"] = fields
	b, err := json.Marshal(rec)
	ts.Check(err)
	ts.Check(os.WriteFile(path, b, 0o600))
}

// awaitfile FILE waits (up to 10 s, polling) until FILE exists.
func cmdAwaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awaitfile FILE")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within 10s", args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freeports N sets $PORT to the first of N consecutive free loopback ports
// (for `sesame sandbox --listen`, which takes the next ports for its fakes).
func cmdFreePorts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeports N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		first := ln.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{ln}
		ok := true
		for i := 1; i < n && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", first+i))
			if err != nil {
				ok = false
				break
			}
			lns = append(lns, l)
		}
		for _, l := range lns {
			l.Close()
		}
		if ok {
			ts.Setenv("PORT", strconv.Itoa(first))
			return
		}
	}
	ts.Fatalf("no %d consecutive free ports", n)
}

// awaithttp URL polls (up to 10 s) until URL answers 2xx.
func cmdAwaitHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awaithttp URL")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(args[0])
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not answer within 10s (%v)", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var _ = fmt.Sprint

// quickRaceExit is GORACE with atexit_sleep_ms=0 unless the caller set it:
// races are still reported where they happen; only the idle second after
// main returns is dropped.
func quickRaceExit(gorace string) string {
	if strings.Contains(gorace, "atexit_sleep_ms=") {
		return gorace
	}
	return strings.TrimSpace(gorace + " atexit_sleep_ms=0")
}
