package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestStoreKey(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	def := &Config{Path: filepath.Join(dir, "config.yaml")}
	a := &Config{Path: filepath.Join(home, "a", "sesame.yaml")}
	b := &Config{Path: filepath.Join(home, "b", "sesame.yaml")}
	if k := def.StoreKey("tdx", false); k != "tdx" {
		t.Errorf("default config, file store: %q, want the bare name", k)
	}
	seen := map[string]bool{}
	for _, k := range []string{def.StoreKey("tdx", true), a.StoreKey("tdx", false), a.StoreKey("tdx", true), b.StoreKey("tdx", false), "tdx"} {
		seen[k] = true
		if k != "tdx" && (!strings.HasPrefix(k, "tdx@") || len(k) != len("tdx@")+12) {
			t.Errorf("key %q", k)
		}
	}
	if len(seen) != 4 { // a's keys are the same for both kinds of store
		t.Errorf("keys collide: %v", seen)
	}
	// A relative path names the same file as its absolute form.
	wd, _ := os.Getwd()
	rel := &Config{Path: "x.yaml"}
	abs := &Config{Path: filepath.Join(wd, "x.yaml")}
	if rel.ID() != abs.ID() {
		t.Error("relative and absolute paths differ")
	}
	if ValidName("tdx@"+a.ID()) == nil {
		t.Error("a store key is a valid profile name: keys could collide")
	}
}

func TestCheckWritable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	dir := filepath.Join(t.TempDir(), "cfg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := CheckWritable(path); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, dir os.FileMode
		want      string
	}{
		{0o600, 0o700, ""},
		{0o644, 0o755, ""},
		{0o620, 0o700, "chmod go-w " + path},
		{0o602, 0o700, "chmod go-w " + path},
		{0o600, 0o770, "chmod go-w " + dir},
		{0o600, 0o707, "chmod go-w " + dir},
		{0o600, 0o777 | os.ModeSticky, ""},
	} {
		if err := os.Chmod(path, tc.file); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, tc.dir); err != nil {
			t.Fatal(err)
		}
		err := CheckWritable(path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%o %o: %v", tc.file, tc.dir, err)
		case tc.want != "" && (clierr.Code(err) != clierr.Store || !strings.HasSuffix(err.Error(), tc.want)):
			t.Errorf("%o %o: %v, want exit 6 ending %q", tc.file, tc.dir, err, tc.want)
		}
	}
	_ = os.Chmod(dir, 0o700)
}

func TestSaveKeepsWhatItDoesNotOwn(t *testing.T) {
	env := testEnv{}
	path := write(t, `# top comment
timeout: 45s # slow VPN
cacert: /etc/ssl/corp.pem
session_idle: 25m
session_ttl: 12m
future_setting: {a: 1}
profiles:
    tdx:
        # help desk
        provider: tdx
        url: https://old.example.com
        username: alice
        note: keep me
    gone:
        provider: ym
        url: https://ws.yourmembership.com
`)
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	c.Profiles["tdx"].URL = "https://new.example.com"
	c.Profiles["tdx"].Mode = "user"
	c.Profiles["tdx"].SetOption("sandbox", "true")
	delete(c.Profiles, "gone")
	c.Profiles["ams"] = &Profile{Name: "ams", Provider: "ams", URL: "https://ams.example.com/club"}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{"# top comment\n", "timeout: 45s # slow VPN\n", "cacert: /etc/ssl/corp.pem\n", "session_idle: 25m\n",
		"session_ttl: 12m\n", "future_setting:", "        # help desk\n", "        note: keep me\n", "url: https://new.example.com\n",
		"mode: user\n", "sandbox: \"true\"\n", "    ams:\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("saved config lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"old.example.com", "gone:", "yourmembership"} {
		if strings.Contains(got, gone) {
			t.Errorf("saved config still has %q:\n%s", gone, got)
		}
	}
	if fi, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	again, err := LoadEnv(path, env.get)
	if err != nil || again.Setting("timeout") != "45s" || again.Profiles["tdx"].URL != "https://new.example.com" || len(again.Profiles) != 2 {
		t.Fatalf("reloaded: %+v %v", again, err)
	}
}

func TestConfigFlagBeatsEnv(t *testing.T) {
	t.Setenv("SESAME_CONFIG", "/env/config.yaml")
	if p, _ := DefaultPath("/flag/config.yaml", os.Getenv, Dir); p != "/flag/config.yaml" {
		t.Errorf("flag and env: %s", p)
	}
	if p, _ := DefaultPath("", os.Getenv, Dir); p != "/env/config.yaml" {
		t.Errorf("env only: %s", p)
	}
}
