// Package toy_test proves that a provider plugs into sesame through the
// registry alone: the toy provider below is defined only in this test
// package, passes the conformance suite against its own fake, and gets its
// own `login toy` subcommand, flags and help in a command tree this test
// builds, with no edit anywhere else. docs/adding-a-provider.md walks
// through the same steps for a real vendor.
package toy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	sesamecmd "github.com/sesame-cli/sesame/internal/cmd"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/transport"
	"github.com/sesame-cli/sesame/internal/ui"
)

// toy logs in with POST {url}/login and an API key in Authorization: Key;
// the token it answers goes in Authorization: Bearer on data calls under
// {url}/api, and lasts an hour.
type toy struct{}

func (toy) Name() string             { return "toy" }
func (toy) Modes() []string          { return []string{"key"} }
func (toy) SecretName(string) string { return "API key" }
func (toy) BaseURL(p *config.Profile) (string, error) {
	u, err := transport.CheckURL(p.URL)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(u.String(), "/") + "/api", nil
}

func (toy) Login(ctx context.Context, env *providers.Env, p *config.Profile, secret string) (*providers.Session, error) {
	u, err := transport.CheckURL(p.URL)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Authorization": {"Key " + secret}}
	if r := p.Option("region", ""); r != "" {
		h.Set("X-Region", r)
	}
	resp, err := env.HTTP.Do(ctx, &transport.Request{Method: "POST", URL: strings.TrimRight(u.String(), "/") + "/login", Header: h})
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		return nil, clierr.New(clierr.Rejected, "toy login: the API key was refused")
	}
	var body struct{ Token string }
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &body) != nil || body.Token == "" {
		return nil, clierr.New(clierr.Network, "toy login: HTTP %d, not a token", resp.Status)
	}
	now := env.Now()
	return &providers.Session{Provider: "toy", Mode: "key", Token: body.Token, User: p.Username, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}, nil
}

func (toy) Headers(_ *config.Profile, s *providers.Session) []providers.Header {
	return []providers.Header{{Name: "Authorization", Value: "Bearer " + s.Token}}
}

func (toy) ValidUntil(s *providers.Session, _ providers.Windows) time.Time { return s.ExpiresAt }

func (toy) IsAuthError(status int, _ http.Header, _ []byte) bool {
	return status == http.StatusUnauthorized
}

func (toy) Info() providers.Info {
	return providers.Info{
		Name:          "toy",
		SecretHeaders: []string{"Authorization"},
		// The login endpoint takes the API key: no proxy client may call it.
		RefusedPath: func(p string) bool { return p == "/login" || strings.HasPrefix(p, "/login/") },
		Login: providers.LoginInfo{
			Use:     "toy --url URL [--region R]",
			Short:   "Log in to the Toy API",
			Long:    "Log in to the Toy API with an API key (read like a password).",
			Example: "  sesame login toy --url https://toy.example --region eu",
			Flags: []providers.Flag{
				{Name: "url", Usage: "Toy instance URL"},
				{Name: "username", Usage: "who the key belongs to"},
				{Name: "region", Usage: "eu or us"},
			},
			Parse: func(in *providers.LoginInput) (*providers.LoginRequest, error) {
				r := &providers.LoginRequest{URL: in.String("url"), Username: in.String("username"), Options: map[string]string{}}
				if reg := in.String("region"); reg != "" {
					canon, ok := providers.OneOf(reg, "eu", "us")
					if !ok {
						return nil, providers.UsageError("--region %q: want eu or us", reg)
					}
					r.Options["region"] = canon
				}
				return r, nil
			},
		},
	}
}

var _ providers.Provider = toy{}

const toyKey, toyToken = "toy-key-0123456789", "toy-token-abcdefghij"

// fake is the Toy vendor.
func fake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Key "+toyKey {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"token": toyToken})
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+toyToken {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"me":"bob"}`))
	})
	return mux
}

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Conformance(t, providertest.Case{
		Provider: toy{},
		Fake:     fake(),
		Profile: func(url, mode string) *config.Profile {
			return &config.Profile{Name: "toy", Provider: "toy", URL: url, Mode: mode, Username: "bob"}
		},
		Secret:   map[string]string{"key": toyKey},
		DataPath: func(string) string { return "/me" },
		Clock:    providertest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
	})
}

// TestConformanceNeedsRefusedPath: a provider that declares no login path
// to refuse, and says no reason, fails the suite.
func TestConformanceNeedsRefusedPath(t *testing.T) {
	t.Parallel()
	var ft fakeT
	info := toyNoRefusal{}.Info()
	if info.RefusedPath != nil {
		t.Fatal("toyNoRefusal declares a RefusedPath")
	}
	providertest.CheckInfo(&ft, toyNoRefusal{})
	if !ft.failed {
		t.Error("CheckInfo passed a provider with no RefusedPath and no reason")
	}
	var ok fakeT
	providertest.CheckInfo(&ok, toyOptOut{})
	if ok.failed {
		t.Errorf("CheckInfo failed a provider that opts out with a reason: %s", ok.msg)
	}
}

type toyNoRefusal struct{ toy }

func (toyNoRefusal) Info() providers.Info {
	i := toy{}.Info()
	i.RefusedPath = nil
	return i
}

type toyOptOut struct{ toy }

func (toyOptOut) Info() providers.Info {
	i := toyNoRefusal{}.Info()
	i.NoRefusedPath = "the vendor takes its API key on every call; there is no login endpoint"
	return i
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Errorf(format string, a ...any) { f.failed, f.msg = true, fmt.Sprintf(format, a...) }
func (f *fakeT) Fatalf(format string, a ...any) { f.Errorf(format, a...) }

// sesame runs args in a command tree whose registry holds the shipped
// providers and toy, with env as its whole environment.
func sesame(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	app := sesamecmd.NewApp()
	var out, errOut bytes.Buffer
	app.IO = &ui.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	app.Getenv = func(k string) string { return env[k] }
	app.ConfigDir = func() (string, error) { return t.TempDir(), nil }
	app.Providers = append(session.Providers(registry.All()), toy{})
	root := sesamecmd.NewRootCmd(app)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestLoginSubcommandFromInfo(t *testing.T) {
	t.Parallel()
	out, _, err := sesame(t, nil, "login", "toy", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Log in to the Toy API with an API key", "--region string", "eu or us", "--url string", "--password-stdin", "--no-save-secret", "sesame login toy --url https://toy.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("login toy --help lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = sesame(t, nil, "login", "--help")
	if !strings.Contains(out, "toy") || !strings.Contains(out, "Log in to the Toy API") {
		t.Errorf("login --help does not list toy:\n%s", out)
	}
	_, _, err = sesame(t, nil, "login", "toy", "--url", "http://127.0.0.1:1", "--region", "mars")
	if clierr.Code(err) != clierr.Usage || !strings.Contains(err.Error(), `--region "mars": want eu or us`) {
		t.Errorf("--region mars: exit %d: %v", clierr.Code(err), err)
	}
}

func TestLoginAndTokenShow(t *testing.T) {
	srv := httptest.NewServer(fake())
	t.Cleanup(srv.Close)
	t.Parallel()
	home := t.TempDir()
	// The file store and locks go beside the config file; nothing comes
	// from the process environment.
	env := map[string]string{"SESAME_STORE": "file", "SESAME_PASSWORD": toyKey, "SESAME_CONFIG": filepath.Join(home, "sesame.yaml")}

	_, stderr, err := sesame(t, env, "login", "toy", "--url", srv.URL, "--username", "bob", "--region", "EU")
	if err != nil {
		t.Fatalf("login: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Logged in to "+srv.URL+" as bob (profile toy, key mode") {
		t.Errorf("login says:\n%s", stderr)
	}
	if strings.Contains(stderr, toyKey) || strings.Contains(stderr, toyToken) {
		t.Errorf("login output shows a secret:\n%s", stderr)
	}
	out, stderr, err := sesame(t, env, "token", "show", "toy")
	if err != nil || strings.TrimSpace(out) != toyToken {
		t.Fatalf("token show: %v: %q %s", err, out, stderr)
	}
	out, _, err = sesame(t, env, "token", "show", "toy", "--format", "header")
	if err != nil || strings.TrimSpace(out) != "Authorization: Bearer "+toyToken {
		t.Fatalf("token show --format header: %v: %q", err, out)
	}
}
