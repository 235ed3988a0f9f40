package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

const sample = `store: file
timeout: 5s
session_idle: 30m
profiles:
  tdx:
    provider: tdx
    url: https://org.teamdynamix.com
    mode: user
    username: alice
    store: keyring
  ams:
    provider: ams
    url: https://ams.example.com/club
    session_idle: 10m
    options:
      app_id: club.sync
`

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadAndPrecedence(t *testing.T) {
	env := testEnv{}
	path := write(t, sample)
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "file" || c.Setting("timeout") != "5s" || len(c.Profiles) != 2 {
		t.Fatalf("loaded %+v", c)
	}
	p := c.Profiles["ams"]
	if p.Option("app_id", "sesame") != "club.sync" || p.Name != "ams" {
		t.Fatalf("ams profile %+v", p)
	}
	if d := c.Duration(p, "session_idle", 0); d != 10*time.Minute {
		t.Errorf("profile idle = %v", d)
	}
	if d := c.Duration(c.Profiles["tdx"], "session_idle", 0); d != 30*time.Minute {
		t.Errorf("global idle = %v", d)
	}
	if d := c.Duration(c.Profiles["tdx"], "session_ttl", 0); d != 14*time.Minute {
		t.Errorf("default ttl = %v", d)
	}

	// env beats the file (flags beat both in session.Service, which
	// reads them first).
	env["SESAME_TIMEOUT"] = "7s"
	env["SESAME_SESSION_IDLE"] = "1m"
	c, err = LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.Setting("timeout") != "7s" {
		t.Errorf("env timeout = %q", c.Setting("timeout"))
	}
	if d := c.Duration(c.Profiles["ams"], "session_idle", 0); d != time.Minute {
		t.Errorf("env idle = %v", d)
	}
}

func TestResolve(t *testing.T) {
	env := testEnv{}
	c, err := LoadEnv(write(t, sample), env.get)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve("", nil); clierr.Code(err) != clierr.Usage {
		t.Errorf("two profiles, none chosen: %v", err)
	}
	if p, err := c.Resolve("TDX", nil); err != nil || p.Name != "tdx" {
		t.Errorf("explicit: %v %v", p, err)
	}
	env["SESAME_PROFILE"] = "ams"
	if p, _ := c.Resolve("", nil); p.Name != "ams" {
		t.Errorf("SESAME_PROFILE: %v", p.Name)
	}
	env["SESAME_PROFILE"] = ""
	if p, _ := c.Resolve("", func(p *Profile) bool { return p.Provider == "tdx" }); p.Name != "tdx" {
		t.Errorf("match: %v", p.Name)
	}
	if _, err := c.Resolve("nope", nil); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestSaveRoundTripAndMode(t *testing.T) {
	env := testEnv{}
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	c.Profiles["x"] = &Profile{Name: "x", Provider: "tdx", URL: "https://h", Options: map[string]string{"sandbox": "true"}}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no modes (Go reports 0666); the profile folder's ACL
	// protects the file there.
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	c2, err := LoadEnv(path, env.get)
	if err != nil || c2.Profiles["x"].Option("sandbox", "") != "true" || c2.Profiles["x"].URL != "https://h" {
		t.Fatalf("round trip: %+v %v", c2.Profiles["x"], err)
	}
}

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"tdx", "prod-1", "a.b_c"} {
		if ValidName(ok) != nil {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "Prod", "../x", "a/b", "-x", "a b"} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Logins in parallel save the config while others read it. On Windows a
// rename over a file another process has open fails with "access denied"
// for a moment; Save and Load wait it out instead of failing.
func TestSaveAndLoadConcurrently(t *testing.T) {
	env := testEnv{}
	path := filepath.Join(t.TempDir(), "config.yaml")
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	c.Profiles["x"] = &Profile{Name: "x", Provider: "tdx", URL: "https://h"}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				c, err := LoadEnv(path, env.get)
				if err != nil {
					t.Errorf("load: %v", err)
					return
				}
				if c.Profiles["x"] == nil {
					t.Errorf("load %d/%d: profile x missing: a half-written config", w, i)
					return
				}
				if w%2 == 0 {
					c.Profiles["x"].SetOption("n", fmt.Sprint(i))
					if err := c.Save(); err != nil {
						t.Errorf("save: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// With a config file given, sessions and locks go beside it and no user
// config folder is needed (on Windows: no %AppData%); without one, the
// state folder is the user config folder, as it always was.
func TestStateDir(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "team", "sesame.yaml")
	t.Setenv("SESAME_CONFIG", cfg)
	t.Setenv("APPDATA", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	if got, err := stateDirOf(""); err != nil || got != filepath.Dir(cfg) {
		t.Errorf("SESAME_CONFIG: StateDir = %q, %v; want %q", got, err, filepath.Dir(cfg))
	}
	t.Setenv("SESAME_CONFIG", "")
	other := filepath.Join(t.TempDir(), "c.yaml")
	if got, err := stateDirOf(other); err != nil || got != filepath.Dir(other) {
		t.Errorf("--config: StateDir = %q, %v; want %q", got, err, filepath.Dir(other))
	}
	home := t.TempDir()
	t.Setenv("APPDATA", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	want, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := stateDirOf(""); err != nil || got != want {
		t.Errorf("default: StateDir = %q, %v; want Dir() %q", got, err, want)
	}
}

func stateDirOf(flagPath string) (string, error) {
	p, err := DefaultPath(flagPath, os.Getenv, Dir)
	if err != nil {
		return "", err
	}
	return StateDir(p)
}

// testEnv is the environment a test gives Load: the shell's SESAME_STORE
// or SESAME_PROFILE never reaches a test.
type testEnv map[string]string

func (e testEnv) get(k string) string { return e[k] }
