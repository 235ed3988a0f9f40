package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// proxyCmds are the script commands of the proxy and curl stories.
var proxyCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"catcher":    cmdCatcher,
	"vendorplus": cmdVendorPlus,
	"awaitplus":  cmdAwaitPlus,
	"maxrss":     cmdMaxRSS,
}

// catcher starts a server on another origin that records every request it
// gets (method, path, headers, body) in $WORK/caught.txt and answers
// "caught"; CATCH_URL and CATCH_PORT name it. Nothing of a vendor's may
// ever appear there.
func cmdCatcher(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: catcher")
	}
	var mu sync.Mutex
	path := ts.MkAbs("caught.txt")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var lines []string
		for k, vs := range r.Header {
			for _, v := range vs {
				lines = append(lines, k+": "+v)
			}
		}
		sort.Strings(lines)
		mu.Lock()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%s %s\n%s\n%s\n", r.Method, r.URL.RequestURI(), strings.Join(lines, "\n"), body)
			f.Close()
		}
		mu.Unlock()
		io.WriteString(w, "caught\n")
	}))
	ts.Defer(srv.Close)
	ts.Setenv("CATCH_URL", srv.URL)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	ts.Setenv("CATCH_PORT", port)
}

// vendorplus NAME [rpc200] starts the sandbox fake NAME like `sandbox`, with
// extra routes under its API base that need any credential header:
// _big?mb=N streams N MiB, _hang waits until the client goes away,
// _trickle sends one server-sent event and holds the second until
// _release is called (a proxy that buffers never shows the first). With
// rpc200 (AMS), an auth error comes back as HTTP 200 with the rpc exception
// body, as real AMS servers do.
func cmdVendorPlus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: vendorplus NAME [rpc200]")
	}
	w := worldOf(ts)
	v, err := sandbox.New(args[0], sandbox.Options{Now: w.now})
	ts.Check(err)
	rpc200 := len(args) > 1 && args[1] == "rpc200"
	hits := &atomic.Int64{}
	plusHitsOf.Store(ts, hits)
	release := make(chan struct{}, 8) // one per _release, one _trickle each
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/_release"):
			select {
			case release <- struct{}{}:
			default:
			}
			io.WriteString(rw, "released\n")
			return
		case strings.HasSuffix(r.URL.Path, "/_trickle"):
			if r.Header.Get("Authorization") == "" && r.Header.Get("X-SS-ID") == "" && r.Header.Get("Session-Header") == "" {
				rw.WriteHeader(http.StatusUnauthorized)
				return
			}
			rw.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(rw, "data: one\n\n")
			rw.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			io.WriteString(rw, "data: two\n\n")
			return
		case strings.HasSuffix(r.URL.Path, "/_big"), strings.HasSuffix(r.URL.Path, "/_hang"):
			hits.Add(1)
			if r.Header.Get("Authorization") == "" && r.Header.Get("X-SS-ID") == "" && r.Header.Get("Session-Header") == "" {
				rw.WriteHeader(http.StatusUnauthorized)
				return
			}
			if strings.HasSuffix(r.URL.Path, "/_hang") {
				<-r.Context().Done()
				return
			}
			mb, _ := strconv.Atoi(r.URL.Query().Get("mb"))
			rw.Header().Set("Content-Type", "application/octet-stream")
			rw.Header().Set("Content-Length", strconv.Itoa(mb<<20))
			chunk := []byte(strings.Repeat("x", 1<<20))
			for i := 0; i < mb; i++ {
				if _, err := rw.Write(chunk); err != nil {
					return
				}
			}
			return
		}
		if rpc200 {
			v.ServeHTTP(&rpcOK{ResponseWriter: rw}, r)
			return
		}
		v.ServeHTTP(rw, r)
	})
	srv := httptest.NewServer(h)
	ts.Defer(srv.Close)
	w.fakes[args[0]] = v
	name := strings.ToUpper(args[0])
	ts.Setenv("SANDBOX_"+name+"_URL", sandbox.ProfileURL(args[0], srv.URL))
	ts.Setenv("SANDBOX_"+name+"_BASE", srv.URL)
}

var plusHitsOf sync.Map // *testscript.TestScript → *atomic.Int64

// rpcOK turns a 401 into a 200, keeping the body.
type rpcOK struct{ http.ResponseWriter }

func (r *rpcOK) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		code = http.StatusOK
	}
	r.ResponseWriter.WriteHeader(code)
}

// awaitplus N waits (up to 10 s) until the vendorplus routes saw N requests.
func cmdAwaitPlus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awaitplus N")
	}
	want, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	h, ok := plusHitsOf.Load(ts)
	if !ok {
		ts.Fatalf("no vendorplus started")
	}
	hits := h.(*atomic.Int64)
	deadline := time.Now().Add(10 * time.Second)
	for hits.Load() < want {
		if time.Now().After(deadline) {
			ts.Fatalf("vendorplus saw %d requests, want %d", hits.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// maxrss MIB asserts that the last sesame run (with SESAME_TEST_RSS=1)
// peaked below MIB MiB of resident memory, and logs the figure.
func cmdMaxRSS(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: maxrss MIB")
	}
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	kib, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(".sesame-rss")))
	ts.Check(err)
	ts.Logf("sesame peak RSS: %.1f MiB", float64(kib)/1024)
	if raceBuild {
		ts.Logf("race build: the limit does not apply")
		return
	}
	if kib >= limit*1024 {
		ts.Fatalf("sesame peak RSS %.1f MiB, want under %d MiB", float64(kib)/1024, limit)
	}
}

// withCmds adds more script commands to a set.
func withCmds(more, base map[string]func(ts *testscript.TestScript, neg bool, args []string)) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	for k, v := range more {
		base[k] = v
	}
	return base
}
