package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
	"github.com/rogpeppe/go-internal/testscript"
)

// The rate-limit stories need one clock for the fakes and for every sesame
// process of a script: a process that waits for a window's reset must find
// the fake's window ended too. `sharedclock` makes that clock a file,
// $WORK/.clock, holding how far virtual time is ahead of the test's clock
// (in nanoseconds). A sesame process reads it for its Now and, to wait,
// moves it on to the time it wants to wake at (never back) and returns at
// once, so that no script sleeps.

// clockFileEnv names the shared clock's file for the sesame processes.
const clockFileEnv = "SESAME_TEST_CLOCK_FILE"

var rateLimitCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"sharedclock": cmdSharedClock,
	"bigfile":     cmdBigFile,
	"statmax":     cmdStatMax,
	"clients":     cmdClients,
}

// sharedclock makes the fakes and every later sesame process share one
// virtual clock (see above).
func cmdSharedClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sharedclock")
	}
	path := ts.MkAbs(".clock")
	ts.Check(os.WriteFile(path, []byte("0"), 0o600))
	ts.Setenv(clockFileEnv, path)
	w := worldOf(ts)
	w.mu.Lock()
	w.clockFile = path
	w.mu.Unlock()
}

// clockAhead reads the shared clock's offset; 0 when there is none.
func clockAhead(path string) time.Duration {
	if path == "" {
		return 0
	}
	b, err := lockedfile.Read(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return time.Duration(n)
}

// sharedSleep moves the shared clock on so that base()+ahead reaches wake.
func sharedSleep(ctx context.Context, path string, base func() time.Time, wake time.Time) error {
	f, err := lockedfile.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	cur, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if want := int64(wake.Sub(base())); want > cur {
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.WriteAt([]byte(strconv.FormatInt(want, 10)), 0); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// bigfile NAME BYTES writes a file of BYTES bytes (an upload).
func cmdBigFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile NAME BYTES")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
}

// statmax NAME KEY N asserts that a named counter of the fake is at most N.
func cmdStatMax(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: statmax NAME KEY N")
	}
	want, err := strconv.ParseInt(args[2], 10, 64)
	ts.Check(err)
	c, ok := fake(ts, args[0]).(interface{ Get(string) int64 })
	if !ok {
		ts.Fatalf("%s keeps no named counters", args[0])
	}
	if got := c.Get(args[1]); got > want {
		ts.Fatalf("%s %s: got %d, want at most %d", args[0], args[1], got, want)
	}
}

// clients ENVFILE N CALLS PATH WANT runs N clients at once against the
// proxy named in ENVFILE (its *_BASE_URL and SESAME_PROXY_TOKEN), each
// making CALLS GET requests of PATH one after another, and asserts that
// every answer has status WANT.
func cmdClients(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: clients ENVFILE N CALLS PATH WANT")
	}
	var base, token string
	// The proxy may still be writing the file: poll until both lines are in.
	for deadline := time.Now().Add(10 * time.Second); base == "" || token == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			ts.Fatalf("%s holds no *_BASE_URL and SESAME_PROXY_TOKEN after 10s", args[0])
		}
		text := ts.ReadFile(args[0])
		if !strings.HasSuffix(text, "\n") {
			continue
		}
		for _, l := range strings.Split(text, "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
			switch {
			case strings.HasSuffix(k, "_BASE_URL"):
				base = v
			case k == "SESAME_PROXY_TOKEN":
				token = v
			}
		}
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	calls, err := strconv.Atoi(args[2])
	ts.Check(err)
	want, err := strconv.Atoi(args[4])
	ts.Check(err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	var fails []string
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < calls; j++ {
				req, _ := http.NewRequest("GET", base+args[3], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				if err != nil {
					fails = append(fails, err.Error())
				} else {
					got[resp.StatusCode]++
				}
				mu.Unlock()
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	if len(fails) > 0 || got[want] != n*calls {
		ts.Fatalf("statuses %v, errors %v; want %d × %d", got, fails, n*calls, want)
	}
	ts.Logf("%d × %d", got[want], want)
}
