package session

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// A Service built by New, end to end: its own config folder, a memory
// store, the TDX fake, a settable clock; nothing from the process.
func TestServiceEndToEnd(t *testing.T) {
	t.Parallel()
	clk := providertest.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	srv := httptest.NewServer(sandbox.NewTDX(sandbox.Options{Now: clk.Now}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := map[string]string{"SESAME_STORE": "memory", "SESAME_CONFIG": filepath.Join(dir, "c", "config.yaml")}
	flags := &Flags{Timeout: 5 * time.Second}
	svc := New(Deps{Flags: flags, Getenv: func(k string) string { return env[k] }, Now: clk.Now,
		ConfigDir: func() (string, error) { return filepath.Join(dir, "default"), nil }})
	svc.SetStore("memory", credstore.NewMemory())

	if p, _ := svc.ConfigPath(); p != env["SESAME_CONFIG"] {
		t.Errorf("ConfigPath %q", p)
	}
	if d, _ := svc.StateDir(); d != filepath.Join(dir, "c") {
		t.Errorf("StateDir %q: want the config file's folder", d)
	}
	if c := svc.StoreChoice(nil); c != (StoreChoice{"memory", "SESAME_STORE"}) {
		t.Errorf("StoreChoice %+v", c)
	}

	ctx := context.Background()
	res, err := svc.Login(ctx, LoginRequest{Provider: "tdx", Profile: "work", URL: srv.URL, Mode: "user", Username: sandbox.TDXUser,
		Secret: func(context.Context, string, *config.Profile) (string, error) { return sandbox.TDXPassword, nil }})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Profile
	if p.Store != "memory" || res.Saved != "secret saved for renewal" || !res.StoreChanged {
		t.Errorf("Login: %+v", res)
	}
	if c, err := config.LoadEnv(env["SESAME_CONFIG"], func(string) string { return "" }); err != nil || c.Profiles["work"] == nil || c.Profiles["work"].URL != srv.URL {
		t.Errorf("Login did not save the profile: %v", err)
	}
	rec, err := svc.Status(p, clk.Now())
	if err != nil || !rec.Stored || rec.User != "alice" {
		t.Fatalf("Status after Login: %+v %v", rec, err)
	}
	if until := rec.ValidUntil; !until.After(clk.Now()) || !until.Equal(res.ValidUntil) {
		t.Errorf("ValidUntil %v (login said %v)", until, res.ValidUntil)
	}

	got, err := svc.Resolve("")
	if err != nil || got.Name != "work" {
		t.Fatalf("Resolve: %v %v", got, err)
	}
	flags.Profile = "other"
	if _, err := svc.Resolve("work"); clierr.Code(err) != clierr.Usage || !strings.Contains(err.Error(), "two profiles given") {
		t.Errorf("--profile other with work: %v", err)
	}
	flags.Profile = ""

	l, err := svc.Live(ctx, p, GetOptions{})
	if err != nil || l.Token() == "" || l.User() != "alice" || l.BaseURL() != srv.URL+"/TDWebApi" || len(l.Headers()) == 0 || !l.ValidUntil().Equal(res.ValidUntil) {
		t.Fatalf("Live: %+v %v", l, err)
	}
	st, err := svc.Status(p, clk.Now())
	if err != nil || !st.Stored || !st.Secret || st.Expired {
		t.Fatalf("Status: %+v %v", st, err)
	}
	if st, _ := svc.Status(p, st.ValidUntil.Add(time.Second)); !st.Expired {
		t.Error("Status after ValidUntil is not expired")
	}

	if err := svc.Logout(p); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Live(ctx, p, GetOptions{}); clierr.Code(err) != clierr.NoSession {
		t.Errorf("Live after Logout: %v", err)
	}
	if _, err := svc.provider("nope"); clierr.Code(err) != clierr.Usage {
		t.Errorf("Provider(nope): %v", err)
	}
}
