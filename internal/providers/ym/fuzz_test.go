package ym_test

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/providers/ym"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// FuzzAuthenticateResponse: /Ams/Authenticate answers anything; the adapter
// keeps the Login error contract and never panics.
func FuzzAuthenticateResponse(f *testing.F) {
	f.Add(200, `{"ClientID":31337,"MemberID":7,"FailedLoginReason":"None","SessionId":"s-1","BearerToken":"b"}`)
	f.Add(401, `{"FailedLoginReason":"None","ResponseStatus":{"Message":"Invalid username/password combination."}}`)
	f.Add(200, `{"FailedLoginReason":"AccountLockedOut"}`)
	f.Add(200, `{"FailedLoginReason":3,"SessionId":""}`)
	f.Add(200, `{"ClientID":"31337","MemberID":"x","SessionId":123}`)
	f.Add(503, `<html>down</html>`)
	fs := providertest.NewFuzzServer(f, "/Ams/Authenticate", nil)
	env := providertest.NewEnv(f, time.Now, nil)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if !fs.Set(providertest.Answer{Status: status, ContentType: "application/json; charset=utf-8", Body: body}) {
			t.Skip()
		}
		p := &config.Profile{Provider: "ym", URL: fs.URL, Mode: ym.ModeMember, Username: "jdoe", Options: map[string]string{ym.OptClientID: "31337"}}
		s, err := ym.New().Login(context.Background(), env, p, "pw-fuzz-secret")
		providertest.CheckLoginResult(t, s, err, "pw-fuzz-secret")
	})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	c := providertest.NewClock(time.Now())
	providertest.Conformance(t, providertest.Case{
		Provider: ym.New(),
		Fake:     sandbox.NewYM(sandbox.Options{Now: c.Now}),
		Profile: func(url, mode string) *config.Profile {
			p := &config.Profile{Name: "ym", Provider: "ym", URL: url, Mode: mode, Options: map[string]string{ym.OptClientID: "31337"}}
			switch mode {
			case ym.ModeMember:
				p.Username = sandbox.YMUser
			case ym.ModeAdmin:
				p.Username = sandbox.YMAPIKey
			case ym.ModeConsumer:
				p.Username = sandbox.YMConsumerKey
			}
			return p
		},
		Secret: map[string]string{
			ym.ModeMember:   sandbox.YMPassword,
			ym.ModeAdmin:    sandbox.YMAPIPassword,
			ym.ModeConsumer: sandbox.YMConsumerSecret,
			ym.ModeToken:    sandbox.YMExchangeToken,
		},
		DataPath: func(string) string { return "/MemberProfile" },
		Clock:    c,
	})
}
