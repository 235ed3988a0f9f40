package config

import (
	"os"
	"strings"
	"testing"
)

// TestViperRules pins the resolution rules config kept from viper (see
// settings.go). Every expectation here is what viper 1.21 answered for the
// same file, environment and flags.
func TestViperRules(t *testing.T) {
	env := testEnv{}
	path := write(t, `Store: FILE
TimeOut: 0x1F
cacert: 1.50
debug: true
session_ttl: [a, b]
Profiles:
  Prod-1:
    PROVIDER: ym
    URL: 12
    mode: 1.5
    Username: false
    name: ignored
    Options:
      ClientID: 007
      Sandbox: true
      empty:
  nullprof:
`)
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"store":        "FILE",
		"STORE":        "FILE",
		"timeout":      "31",   // YAML int, cast to text
		"cacert":       "1.5",  // YAML float
		"debug":        "true", // YAML bool: cast says "true"
		"session_ttl":  "",     // a list is no text
		"session_idle": "20m",  // the default
		"nothing":      "",
	} {
		if got := c.Setting(key); got != want {
			t.Errorf("Setting(%q) = %q, want %q", key, got, want)
		}
	}
	if c.Store != "FILE" {
		t.Errorf("Store = %q", c.Store)
	}
	p := c.Profiles["prod-1"]
	if p == nil || len(c.Profiles) != 2 {
		t.Fatalf("profiles %v: keys are lower-cased", c.Names())
	}
	// Profile fields decode weakly: a bool is "1" or "0", not "true".
	if p.Provider != "ym" || p.URL != "12" || p.Mode != "1.5" || p.Username != "0" || p.Name != "prod-1" {
		t.Errorf("profile %+v", p)
	}
	if p.Options["clientid"] != "7" || p.Options["sandbox"] != "1" || p.Options["empty"] != "" || len(p.Options) != 3 {
		t.Errorf("options %v", p.Options)
	}
	if n := c.Profiles["nullprof"]; n == nil || n.Provider != "" || n.Name != "nullprof" {
		t.Errorf("a null profile is an empty one: %+v", n)
	}

	// SESAME_<KEY> beats the file; an empty variable counts as unset;
	// SESAME_CACERT beats SESAME_CA_FILE.
	env["SESAME_STORE"] = ""
	env["SESAME_TIMEOUT"] = "7s"
	env["SESAME_CA_FILE"] = "/a.pem"
	c, _ = LoadEnv(path, env.get)
	if c.Store != "FILE" || c.Setting("timeout") != "7s" || c.Setting("cacert") != "/a.pem" {
		t.Errorf("env: store %q timeout %q cacert %q", c.Store, c.Setting("timeout"), c.Setting("cacert"))
	}
	env["SESAME_CACERT"] = "/b.pem"
	if c.Setting("cacert") != "/b.pem" {
		t.Errorf("SESAME_CACERT: cacert %q", c.Setting("cacert"))
	}

	// With nothing set in the file or the environment, the defaults.
	c, _ = LoadEnv(write(t, ""), env.get)
	if c.Setting("store") != "auto" || c.Setting("session_ttl") != "14m" {
		t.Errorf("defaults: store %q session_ttl %q", c.Setting("store"), c.Setting("session_ttl"))
	}

	// The zero Config has no settings at all.
	if (&Config{}).Setting("store") != "" {
		t.Error("zero Config has settings")
	}
}

func TestConfigErrorsWordedAsBefore(t *testing.T) {
	env := testEnv{}
	for body, want := range map[string]string{
		": bad yaml [":                            "While parsing config: yaml:",
		"profiles:\n  bad: hello":                 `profile bad: '' expected a map or struct, got "string"`,
		"profiles:\n  bad:\n    provider: {a: 1}": "'provider' expected type 'string', got unconvertible type 'map[string]interface {}'",
		"profiles:\n  bad:\n    options: hello":   "'options' expected type 'map[string]string', got unconvertible type 'string'",
	} {
		_, err := LoadEnv(write(t, body), env.get)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one with %q", body, err, want)
		}
	}
}

func TestValidNameBounds(t *testing.T) {
	t.Parallel()
	if ValidName(strings.Repeat("a", 64)) != nil || ValidName(strings.Repeat("a", 65)) == nil {
		t.Error("names are 1 to 64 characters")
	}
	for _, bad := range []string{".x", "_x", "é", "a\n", "a$"} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNullConfigIsEmpty(t *testing.T) {
	env := testEnv{}
	for _, body := range []string{"~", "null", "---\n", "# nothing"} {
		c, err := LoadEnv(write(t, body), env.get)
		if err != nil || c.Store != "" || c.Setting("store") != "auto" || c.Setting("timeout") != "30s" || len(c.Profiles) != 0 {
			t.Errorf("%q: %v, store %q", body, err, c.Store)
		}
	}
}

// The file's store is what Save writes back: SESAME_STORE for one run must
// not end up in the file.
func TestEnvStoreDoesNotLeakIntoFile(t *testing.T) {
	env := testEnv{}
	path := write(t, "profiles: {}\n")
	env["SESAME_STORE"] = "file"
	c, err := LoadEnv(path, env.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "" || c.Setting("store") != "file" {
		t.Fatalf("Store %q, Setting %q", c.Store, c.Setting("store"))
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "store") {
		t.Fatalf("saved config mentions a store:\n%s", b)
	}
}
