package ams_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// FuzzLoginUserResponse: step 1 is sound, step 2 (loginUser) answers
// anything; the adapter keeps the Login error contract and never panics.
func FuzzLoginUserResponse(f *testing.F) {
	f.Add(200, "application/json", `{"applicationId":4242,"skypeName":"sk","username":"u"}`, "tok2")
	f.Add(200, "application/json", `{"__is_rpc_exception__":true,"value":{"detailMessage":"Invalid username or password"}}`, "")
	f.Add(401, "text/html", "<html>nope</html>", "")
	f.Add(200, "application/json", `{"applicationId":"12","skypeName":null}`, "")
	f.Add(500, "text/plain", "", "")
	step1 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("session-header", "tok1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"app"}`)
	})
	fs := providertest.NewFuzzServer(f, "/user/loginUser", step1)
	env := providertest.NewEnv(f, time.Now, nil)
	f.Fuzz(func(t *testing.T, status int, ctype, body, token string) {
		h := http.Header{}
		if token != "" {
			if strings.ContainsAny(token, "\r\n\x00") {
				t.Skip()
			}
			h.Set("session-header", token)
		}
		if !fs.Set(providertest.Answer{Status: status, ContentType: ctype, Body: body, Header: h}) {
			t.Skip()
		}
		p := &config.Profile{Provider: "ams", URL: fs.URL + "/app", Mode: ams.ModeV2, Username: "coach"}
		s, err := ams.New().Login(context.Background(), env, p, "pw-fuzz-secret")
		providertest.CheckLoginResult(t, s, err, "pw-fuzz-secret")
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	c := providertest.NewClock(time.Now())
	providertest.Conformance(t, providertest.Case{
		Provider: ams.New(),
		Fake:     sandbox.NewAMS(sandbox.Options{Now: c.Now}),
		Profile: func(url, mode string) *config.Profile {
			return &config.Profile{Name: "ams", Provider: "ams", URL: url + "/" + sandbox.AMSApp, Mode: mode, Username: sandbox.AMSUser}
		},
		Secret: map[string]string{ams.ModeV2: sandbox.AMSPassword, ams.ModeV1: sandbox.AMSPassword},
		DataPath: func(mode string) string {
			if mode == ams.ModeV1 {
				return "/api/v1/athletes?informat=json&format=json"
			}
			return "/api/v2/data"
		},
		Clock: c,
	})
}
