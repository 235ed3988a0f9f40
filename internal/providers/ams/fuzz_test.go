package ams_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/transport"
)

// FuzzLoginUserResponse: step 1 is sound, step 2 (loginUser) answers
// anything. The adapter returns a session or an exit-3/5 error that quotes
// no secret; it never panics.
func FuzzLoginUserResponse(f *testing.F) {
	f.Add(200, "application/json", `{"applicationId":4242,"skypeName":"sk","username":"u"}`, "tok2")
	f.Add(200, "application/json", `{"__is_rpc_exception__":true,"value":{"detailMessage":"Invalid username or password"}}`, "")
	f.Add(401, "text/html", "<html>nope</html>", "")
	f.Add(200, "application/json", `{"applicationId":"12","skypeName":null}`, "")
	f.Add(500, "text/plain", "", "")
	var mu sync.Mutex
	var status int
	var ctype, body, header string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getApplicationDescription") {
			w.Header().Set("session-header", "tok1")
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"name":"app"}`)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if header != "" {
			w.Header().Set("session-header", header)
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	f.Cleanup(srv.Close)
	c, _ := transport.New(transport.Options{Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	env := &providers.Env{HTTP: c, Now: time.Now}
	f.Fuzz(func(t *testing.T, st int, ct, b, h string) {
		if st < 200 || st > 599 || (st >= 300 && st < 400) || strings.ContainsAny(h, "\r\n\x00") {
			t.Skip()
		}
		mu.Lock()
		status, ctype, body, header = st, ct, b, h
		mu.Unlock()
		p := &config.Profile{Provider: "ams", URL: srv.URL + "/app", Mode: "v2", Username: "coach"}
		s, err := ams.New().Login(context.Background(), env, p, "pw-fuzz-secret")
		if err == nil {
			if s == nil || s.Token == "" {
				t.Fatalf("no error and no session: %+v", s)
			}
			return
		}
		if code := clierr.Code(err); code != clierr.Rejected && code != clierr.Network {
			t.Fatalf("exit code %d for %v", code, err)
		}
		if strings.Contains(err.Error(), "pw-fuzz-secret") {
			t.Fatalf("error quotes the password: %v", err)
		}
	})
}
