package main

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// hostile KIND starts a misbehaving server and sets HOSTILE_URL:
//
//	html500     500 with an HTML error page
//	html200     200 with an HTML login page
//	big         200 with a body over 1 MiB
//	hang        accepts the request and never answers
//	ratelimit   429 with Retry-After: 1 twice, then the TDX fake
//	unsupported 415 with ASP.NET Web API's JSON Message, whatever is sent
//	busy        503 forever
//	badjson     200 application/json of the wrong shape
//	noexp       200 text/plain JWT without an exp claim
//	garbage     200 text/plain that is not a JWT
//	tls         the TDX fake over TLS with a self-signed certificate; its
//	            CA is written to $WORK/ca.pem
//	redirect    302 to another origin
//	echo        answers with the request's method, path and headers
//	echobody    400 JSON whose Message quotes the request's path, headers
//	            and body (Go's encoder: & < > become \u0026 \u003c \u003e)
//	ctrlchars   200 JSON and 401 messages full of terminal escapes (ESC,
//	            BEL, C1, bidi overrides) in the user name and error text
//
// hostile pwchange is different: it starts the TDX fake as sandbox
// "pwchange" (so `logins pwchange N` works), sets SANDBOX_PWCHANGE_URL, and
// once $WORK/password-changed exists refuses every login as a changed
// password would (401). Its `logins` counts login attempts, refused or not.
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hostile KIND")
	}
	var hits atomic.Int64
	stop := make(chan struct{})
	var h http.HandlerFunc
	switch args[0] {
	case "html500":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body><h1>Server Error in '/TDWebApi' Application.</h1></body></html>")
		}
	case "html200":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!DOCTYPE html><html><body><form>Sign in</form></body></html>")
		}
	case "big":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, strings.Repeat("x", 1<<20+10))
		}
	case "hang":
		h = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		}
	case "ratelimit":
		tdx := sandbox.NewTDX(sandbox.Options{})
		h = func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) <= 2 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
				return
			}
			tdx.ServeHTTP(w, r)
		}
	case "unsupported":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnsupportedMediaType)
			io.WriteString(w, `{"Message":"The request entity's media type 'application/json' is not supported for this resource."}`)
		}
	case "busy":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		}
	case "badjson":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"unexpected": [1, 2, 3]}`)
		}
	case "noexp":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			// {"typ":"JWT","alg":"HS256"}.{"unique_name":"alice"}.sig
			io.WriteString(w, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1bmlxdWVfbmFtZSI6ImFsaWNlIn0.c2ln")
		}
	case "garbage":
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "welcome!")
		}
	case "echo":
		h = sandbox.Echo
	case "echobody":
		h = func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"Message": fmt.Sprintf("cannot use %s %s (headers %v): %s", r.Method, r.URL.EscapedPath(), r.Header, b),
				"Echo":    string(b),
			})
		}
	case "ctrlchars":
		h = func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if strings.Contains(string(b), "wrong") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{"Message": "denied \x1b]52;c;cHduZWQ=\x07 \u009b2J \u202egnp.exe"})
				return
			}
			claims, _ := json.Marshal(map[string]any{"unique_name": "\x1b]0;pwned\x07alice\u202e", "exp": time.Now().Add(time.Hour).Unix()})
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."+base64.RawURLEncoding.EncodeToString(claims)+".c2ln")
		}
	case "redirect":
		h = func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/login", http.StatusFound)
		}
	case "pwchange":
		pw := &pwChange{Vendor: sandbox.NewTDX(sandbox.Options{Now: worldOf(ts).now, TTL: time.Hour}), flag: filepath.Join(ts.Getenv("WORK"), "password-changed")}
		srv := httptest.NewServer(pw)
		ts.Defer(srv.Close)
		worldOf(ts).fakes["pwchange"] = pw
		worldOf(ts).servers["pwchange"] = srv
		ts.Setenv("SANDBOX_PWCHANGE_URL", srv.URL)
		return
	case "tls":
		srv := httptest.NewTLSServer(sandbox.NewTDX(sandbox.Options{}))
		ts.Defer(srv.Close)
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "ca.pem"), pemBytes, 0o600))
		ts.Setenv("HOSTILE_URL", srv.URL)
		return
	default:
		ts.Fatalf("unknown hostile kind %q", args[0])
	}
	w := worldOf(ts)
	inner := h
	h = func(rw http.ResponseWriter, r *http.Request) {
		w.hostileHits.Add(1)
		inner(rw, r)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Start()
	ts.Defer(func() { close(stop); srv.Close() })
	ts.Setenv("HOSTILE_URL", srv.URL)
}

// awaithits N waits (up to 10 s, polling) until the hostile server has seen N
// requests: proof that a background sesame is inside its request.
func cmdAwaitHits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awaithits N")
	}
	var want int64
	_, err := fmt.Sscan(args[0], &want)
	ts.Check(err)
	w := worldOf(ts)
	deadline := time.Now().Add(10 * time.Second)
	for w.hostileHits.Load() < want {
		if time.Now().After(deadline) {
			ts.Fatalf("hostile server saw %d requests, want %d", w.hostileHits.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pwChange is the TDX fake after a password change: see hostile pwchange.
type pwChange struct {
	sandbox.Vendor
	flag     string
	attempts atomic.Int64
}

func (p *pwChange) Logins() int64 { return p.attempts.Load() }

func (p *pwChange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/auth/login") {
		p.attempts.Add(1)
		if _, err := os.Stat(p.flag); err == nil {
			http.Error(w, "Invalid username or password.", http.StatusUnauthorized)
			return
		}
	}
	p.Vendor.ServeHTTP(w, r)
}
