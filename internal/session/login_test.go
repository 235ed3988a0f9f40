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
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// mergeProfile: a login's flags over the profile as it stands, without
// touching the stored one, and never taking over another provider's.
func TestMergeProfile(t *testing.T) {
	t.Parallel()
	prov, err := registry.Get("tdx")
	if err != nil {
		t.Fatal(err)
	}
	old := &config.Profile{Name: "work", Provider: "tdx", URL: "https://a.example.com", Mode: "admin", Username: "u", Options: map[string]string{"beid": "B"}, NoSaveSecret: true}
	for _, tc := range []struct {
		name string
		old  *config.Profile
		r    LoginRequest
		want func(*config.Profile) string // "" when right
		code int
		msg  string
	}{
		{"new profile takes the first mode", nil, LoginRequest{Provider: "tdx", URL: "https://b.example.com"},
			func(p *config.Profile) string {
				if p.Mode != prov.Modes()[0] || p.URL != "https://b.example.com" || p.Name != "work" {
					return "mode/url/name"
				}
				return ""
			}, 0, ""},
		{"old values stay unless given", old, LoginRequest{Provider: "tdx", Username: "v"},
			func(p *config.Profile) string {
				if p.URL != old.URL || p.Mode != "admin" || p.Username != "v" || p.Options["beid"] != "B" || !p.NoSaveSecret {
					return "kept values"
				}
				return ""
			}, 0, ""},
		{"options are a copy", old, LoginRequest{Provider: "tdx", Options: map[string]string{"beid": "C"}},
			func(p *config.Profile) string {
				if p.Options["beid"] != "C" || old.Options["beid"] != "B" {
					return "the old profile's options changed"
				}
				return ""
			}, 0, ""},
		{"shared makes a renewer", nil, LoginRequest{Provider: "tdx", URL: "https://b.example.com", Shared: "redis://127.0.0.1:1", SharedNamespace: "ns"},
			func(p *config.Profile) string {
				if p.Shared == nil || p.Shared.Role != config.RoleRenewer || p.Shared.Namespace != "ns" {
					return "shared"
				}
				return ""
			}, 0, ""},
		{"another provider's profile", &config.Profile{Name: "work", Provider: "ams"}, LoginRequest{Provider: "tdx", URL: "https://b.example.com"}, nil, clierr.Usage, "is a ams profile"},
		{"no url", nil, LoginRequest{Provider: "tdx"}, nil, clierr.Usage, "needs --url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mergeProfile(prov, "work", tc.old, tc.r)
			if tc.msg != "" {
				if clierr.Code(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err %v, want exit %d with %q", err, tc.code, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if bad := tc.want(p); bad != "" {
				t.Errorf("%s: %+v", bad, p)
			}
		})
	}
}

// Service.Login: --no-save-secret sticks to the profile until
// --save-secret, the config is saved each time, and the store notice is
// due only when the profile is new.
func TestServiceLoginSticky(t *testing.T) {
	t.Parallel()
	clk := providertest.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	srv := httptest.NewServer(sandbox.NewTDX(sandbox.Options{Now: clk.Now}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := map[string]string{"SESAME_STORE": "memory", "SESAME_CONFIG": filepath.Join(dir, "config.yaml")}
	svc := New(Deps{Flags: &Flags{Timeout: 5 * time.Second}, Getenv: func(k string) string { return env[k] }, Now: clk.Now})
	svc.SetStore("memory", credstore.NewMemory())
	asked := 0
	req := LoginRequest{Provider: "tdx", Profile: "work", URL: srv.URL, Mode: "user", Username: sandbox.TDXUser,
		Secret: func(context.Context, string, *config.Profile) (string, error) {
			asked++
			return sandbox.TDXPassword, nil
		}}
	ctx := context.Background()
	for i, step := range []struct {
		noSave, save bool
		saved        string
		changed      bool
	}{
		{true, false, "secret not saved", true},
		{false, false, "secret not saved", false},
		{false, true, "secret saved for renewal", false},
	} {
		r := req
		r.NoSaveSecret, r.SaveSecret = step.noSave, step.save
		res, err := svc.Login(ctx, r)
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
		if res.Saved != step.saved || res.StoreChanged != step.changed || res.User != sandbox.TDXUser {
			t.Errorf("login %d: %+v", i, res)
		}
		st, err := svc.Status(res.Profile, clk.Now())
		if err != nil || st.Secret != (step.saved == "secret saved for renewal") {
			t.Errorf("login %d: secret stored %v (%v)", i, st.Secret, err)
		}
		c, err := config.LoadEnv(env["SESAME_CONFIG"], func(string) string { return "" })
		if err != nil || c.Profiles["work"] == nil || c.Profiles["work"].NoSaveSecret != (step.saved != "secret saved for renewal") {
			t.Errorf("login %d: saved config %v", i, err)
		}
	}
	if asked != 3 {
		t.Errorf("secret asked %d times, want 3", asked)
	}
}
