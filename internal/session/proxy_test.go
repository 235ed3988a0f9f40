package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// Service.Proxy: a command names the profile and how the proxy serves;
// the Service fills in the rest, and the proxy's check call goes through
// with the stored session. Traits and LoginCommands are the provider's
// declaration in session's words.
func TestServiceProxyAndTraits(t *testing.T) {
	t.Parallel()
	clk := providertest.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	srv := httptest.NewServer(sandbox.NewTDX(sandbox.Options{Now: clk.Now}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SESAME_STORE": "memory", "SESAME_CONFIG": filepath.Join(t.TempDir(), "config.yaml")}
	svc := New(Deps{Flags: &Flags{Timeout: 5 * time.Second}, Getenv: func(k string) string { return env[k] }, Now: clk.Now})
	svc.SetStore("memory", credstore.NewMemory())
	ctx := context.Background()
	res, err := svc.Login(ctx, LoginRequest{Provider: "tdx", URL: srv.URL, Mode: "user", Username: sandbox.TDXUser,
		Secret: func(context.Context, string, *config.Profile) (string, error) { return sandbox.TDXPassword, nil }})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Profile

	tr := svc.Traits("tdx")
	if tr.Check == nil {
		t.Fatal("tdx names no check call")
	}
	call := tr.Check(p)
	base, err := svc.BaseURL(p)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base + call.Path)
	if err != nil {
		t.Fatal(err)
	}
	px, err := svc.Proxy(p, authproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := px.Forward(ctx, call.Method, u, http.Header{"Accept": {"application/json"}}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("check call through Service.Proxy: HTTP %d", resp.StatusCode)
	}
	if auth, err := svc.IsAuthError(p, http.StatusUnauthorized, http.Header{}, nil); err != nil || !auth {
		t.Errorf("IsAuthError(401) = %v, %v", auth, err)
	}
	if nope := svc.Traits("nope"); nope.Check != nil || nope.AnswerError != nil || nope.Paginates || nope.KeepWarmAhead != 0 {
		t.Error("Traits of an unknown provider")
	}

	cmds := svc.LoginCommands()
	if len(cmds) != 3 {
		t.Fatalf("%d login commands", len(cmds))
	}
	lc, err := svc.LoginCommand("tdx")
	if err != nil || len(lc.Flags) == 0 || lc.Use == "" {
		t.Fatalf("LoginCommand(tdx): %+v %v", lc, err)
	}
	f, err := lc.Parse(map[string]string{"url": srv.URL, "username": "alice"}, map[string]bool{"url": true, "username": true}, nil)
	if err != nil || f.URL != srv.URL || f.Username != "alice" {
		t.Errorf("Parse: %+v %v", f, err)
	}
}
