package ym_test

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
	"github.com/sesame-cli/sesame/internal/providers/ym"
	"github.com/sesame-cli/sesame/internal/transport"
)

// FuzzAuthenticateResponse: /Ams/Authenticate answers anything. The adapter
// returns a session or an exit-3/5 error that quotes no secret; it never
// panics.
func FuzzAuthenticateResponse(f *testing.F) {
	f.Add(200, `{"ClientID":31337,"MemberID":7,"FailedLoginReason":"None","SessionId":"s-1","BearerToken":"b"}`)
	f.Add(401, `{"FailedLoginReason":"None","ResponseStatus":{"Message":"Invalid username/password combination."}}`)
	f.Add(200, `{"FailedLoginReason":"AccountLockedOut"}`)
	f.Add(200, `{"FailedLoginReason":3,"SessionId":""}`)
	f.Add(200, `{"ClientID":"31337","MemberID":"x","SessionId":123}`)
	f.Add(503, `<html>down</html>`)
	var mu sync.Mutex
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	f.Cleanup(srv.Close)
	c, _ := transport.New(transport.Options{Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	env := &providers.Env{HTTP: c, Now: time.Now}
	f.Fuzz(func(t *testing.T, st int, b string) {
		if st < 200 || st > 599 || (st >= 300 && st < 400) {
			t.Skip()
		}
		mu.Lock()
		status, body = st, b
		mu.Unlock()
		p := &config.Profile{Provider: "ym", URL: srv.URL, Mode: "member", Username: "jdoe", Options: map[string]string{"client_id": "31337"}}
		s, err := ym.New().Login(context.Background(), env, p, "pw-fuzz-secret")
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
