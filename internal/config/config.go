// Package config holds sesame's profiles and settings: where the config file
// is, what a profile is, and the precedence SESAME_* env > config file >
// default (SPEC §1; command-line flags, which beat both, are applied by
// session.Service). It never holds a secret: passwords, keys and sessions
// belong to the credential store.
package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/fsretry"
)

// Profile is one account on one vendor instance. Everything here is safe to
// write to disk in the clear.
type Profile struct {
	Name     string `yaml:"-" mapstructure:"-"`
	Provider string `yaml:"provider" mapstructure:"provider"`
	// URL is the instance as the user gave it (TDX: https://ORG.teamdynamix.com,
	// AMS: https://SERVER/APPNAME, YM: https://ws.yourmembership.com).
	URL string `yaml:"url" mapstructure:"url"`
	// Mode is the provider's login mode (tdx: user|admin, ams: v1|v2,
	// ym: member|admin|consumer|token).
	Mode string `yaml:"mode,omitempty" mapstructure:"mode"`
	// Username is the user name, or the key id for key logins (TDX BEID, YM
	// consumer key).
	Username string `yaml:"username,omitempty" mapstructure:"username"`
	// Store is the credential store chosen at login (keyring or file).
	Store string `yaml:"store,omitempty" mapstructure:"store"`
	// SessionIdle and SessionTTL override the global renewal windows.
	SessionIdle string `yaml:"session_idle,omitempty" mapstructure:"session_idle"`
	SessionTTL  string `yaml:"session_ttl,omitempty" mapstructure:"session_ttl"`
	// NoSaveSecret records a login with --no-save-secret, so that logging
	// in again keeps not saving the secret unless asked to.
	NoSaveSecret bool `yaml:"no_save_secret,omitempty" mapstructure:"no_save_secret"`
	// Options are the provider's own settings (app_id, client_id, sandbox, …).
	Options map[string]string `yaml:"options,omitempty" mapstructure:"options"`
	// Shared keeps the session in a store the fleet shares (shared.go).
	Shared *Shared `yaml:"shared,omitempty" mapstructure:"shared"`
}

// Option returns a provider option, or def when it is unset.
func (p *Profile) Option(key, def string) string {
	if v, ok := p.Options[key]; ok && v != "" {
		return v
	}
	return def
}

// SetOption sets a provider option; an empty value removes it.
func (p *Profile) SetOption(key, value string) {
	if value == "" {
		delete(p.Options, key)
		return
	}
	if p.Options == nil {
		p.Options = map[string]string{}
	}
	p.Options[key] = value
}

// Config is the config file's content plus the settings resolved with
// flag > env > file > default precedence.
type Config struct {
	Path  string `yaml:"-"`
	Store string `yaml:"store,omitempty" mapstructure:"store"`
	// Default is the profile `sesame profile use` chose: used when neither
	// --profile, SESAME_PROFILE nor an argument names one.
	Default  string              `yaml:"default,omitempty" mapstructure:"default"`
	Profiles map[string]*Profile `yaml:"profiles,omitempty" mapstructure:"profiles"`

	v *viper.Viper
	// getenv is the environment SESAME_* settings and SESAME_PROFILE are
	// read from: the process's in a real run, the test's own in a test.
	getenv func(string) string
}

// ValidName reports whether name can be a profile name. Names are lower case
// because viper folds config keys, and safe as file names.
func ValidName(name string) error {
	if !validName(name) {
		return clierr.New(clierr.Usage, "invalid profile name %q: use lower-case letters, digits, '.', '_' and '-'", name)
	}
	return nil
}

// validName is ^[a-z0-9][a-z0-9._-]{0,63}$, checked by hand: that regexp
// (63 nested optional copies once compiled) was the largest package
// initialiser on the `token show` path (go run ./bench, inittrace).
func validName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// DefaultPath is where the config file lives: flagPath (--config), else
// $SESAME_CONFIG (as getenv reads it), else config.yaml in dir() —
// normally Dir(), os.UserConfigDir()/sesame (SPEC §1: flag > env > file).
func DefaultPath(flagPath string, getenv func(string) string, dir func() (string, error)) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	if p := getenv("SESAME_CONFIG"); p != "" {
		return p, nil
	}
	d, err := dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "config.yaml"), nil
}

// StateDir is the folder the file store's sessions/ and the renewal
// locks/ live in: the folder of the config file at p (see DefaultPath).
// With no --config and no SESAME_CONFIG that is Dir()
// (os.UserConfigDir()/sesame), as it always was; with one, sesame needs no
// user config directory at all (on Windows no %AppData%), and two configs
// never share sessions.
func StateDir(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", clierr.New(clierr.Unexpected, "cannot resolve the config path %s: %w", p, err)
	}
	return filepath.Dir(abs), nil
}

// Dir is sesame's own folder under the OS config directory, where the
// config file, sessions and locks are when no other config is given.
func Dir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", clierr.New(clierr.Unexpected, "cannot find the user config directory: %w", err)
	}
	return filepath.Join(d, "sesame"), nil
}

// Load reads the config file at path (a missing file is an empty config),
// so that Setting answers with SESAME_* env > file > default precedence,
// the environment being the process's.
func Load(path string) (*Config, error) { return LoadEnv(path, os.Getenv) }

// LoadEnv is Load with the environment given: SESAME_* settings and
// SESAME_PROFILE are read through getenv alone, so that a test's outcome
// never depends on the shell it runs in.
func LoadEnv(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	c := &Config{Path: path, v: v, getenv: getenv}
	// Read with fsretry rather than v.ReadInConfig: on Windows another
	// sesame renaming a new config into place makes the open fail for a
	// moment.
	data, err := fsretry.ReadFile(path)
	if err == nil {
		err = v.ReadConfig(bytes.NewReader(data))
	}
	if err != nil {
		var nf viper.ConfigFileNotFoundError
		if !errors.As(err, &nf) && !errors.Is(err, fs.ErrNotExist) {
			return nil, clierr.New(clierr.Usage, "reading config %s: %w", path, err)
		}
	}
	// The file's own content is read before env and flags are bound, so
	// that Save writes back what the file said, never a SESAME_STORE or a
	// --store of this one run.
	c.Store = v.GetString("store")
	c.Default = v.GetString("default")
	raw := v.GetStringMap("profiles")
	c.Profiles = make(map[string]*Profile, len(raw))
	for name := range raw {
		p := &Profile{}
		if err := v.UnmarshalKey("profiles."+name, p); err != nil {
			return nil, clierr.New(clierr.Usage, "config %s: profile %s: %w", path, name, err)
		}
		p.Name = name
		c.Profiles[name] = p
	}

	// Global settings resolve flag > SESAME_* env > file > default; the
	// env layer is Setting's own (getenv), not viper's AutomaticEnv, which
	// reads the process environment whatever the caller says.
	v.SetDefault("store", "auto")
	v.SetDefault("timeout", "30s")
	v.SetDefault("session_idle", "20m")
	v.SetDefault("session_ttl", "14m")
	return c, nil
}

// Setting is a global setting resolved with env > file > default (flags,
// which beat all three, are the caller's). An empty variable counts as
// unset, as viper's AutomaticEnv has it.
func (c *Config) Setting(key string) string {
	if c.v == nil {
		return ""
	}
	for _, name := range envNames(key) {
		if val := c.env(name); val != "" {
			return val
		}
	}
	return c.v.GetString(key)
}

// envNames are the variables that set a global setting, first one first.
// SPEC §6: --cacert, SESAME_CACERT and SESAME_CA_FILE are one setting.
func envNames(key string) []string {
	if key == "cacert" {
		return []string{"SESAME_CACERT", "SESAME_CA_FILE"}
	}
	return []string{"SESAME_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))}
}

func (c *Config) env(name string) string {
	if c.getenv == nil {
		return os.Getenv(name)
	}
	return c.getenv(name)
}

// Duration is a duration setting for a profile: the profile's own value,
// else the global one; def when neither parses.
func (c *Config) Duration(p *Profile, key string, def time.Duration) time.Duration {
	var s string
	switch key {
	case "session_idle":
		s = p.SessionIdle
	case "session_ttl":
		s = p.SessionTTL
	}
	// An env var set for this run beats the profile's file value.
	if env := c.env("SESAME_" + strings.ToUpper(key)); env != "" {
		s = env
	}
	if s == "" {
		s = c.Setting(key)
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return def
}

// Names lists the profile names in order.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Profile finds a profile by name, with an error that lists the others.
func (c *Config) Profile(name string) (*Profile, error) {
	if p, ok := c.Profiles[strings.ToLower(name)]; ok {
		return p, nil
	}
	return nil, clierr.New(clierr.Usage, "no profile named %q%s", name, c.listHint())
}

func (c *Config) listHint() string {
	if len(c.Profiles) == 0 {
		return "; log in first: sesame login tdx|ams|ym"
	}
	return " (profiles: " + strings.Join(c.Names(), ", ") + ")"
}

// Resolve picks the profile a command acts on: explicit (from --profile or an
// argument), else SESAME_PROFILE, else match (when not nil, e.g. curl's URL
// match), else the only profile there is, else an error listing them.
func (c *Config) Resolve(explicit string, match func(*Profile) bool) (*Profile, error) {
	if explicit == "" {
		explicit = c.env("SESAME_PROFILE")
	}
	if explicit != "" {
		return c.Profile(explicit)
	}
	if match != nil {
		var found []*Profile
		for _, n := range c.Names() {
			if match(c.Profiles[n]) {
				found = append(found, c.Profiles[n])
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	if c.Default != "" {
		p, err := c.Profile(c.Default)
		if err != nil {
			return nil, clierr.New(clierr.Usage, "the default profile %q is gone from the config; choose another: sesame profile use NAME", c.Default)
		}
		return p, nil
	}
	switch len(c.Profiles) {
	case 0:
		return nil, clierr.New(clierr.Usage, "no profiles yet; log in first: sesame login tdx|ams|ym")
	case 1:
		for _, p := range c.Profiles {
			return p, nil
		}
	}
	return nil, clierr.New(clierr.Usage, "more than one profile: name one with --profile or SESAME_PROFILE, or make one the default: sesame profile use NAME%s", c.listHint())
}

// Save writes the config file atomically with mode 0600, creating its folder
// (0700) when needed. It patches the file rather than rewriting it (see
// patch): only `store` and the profiles' own keys are sesame's to change,
// so that every other setting, unknown key and comment survives a login.
func (c *Config) Save() error {
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return clierr.New(clierr.Unexpected, "creating config folder: %w", err)
	}
	old, err := fsretry.ReadFile(c.Path) // another sesame may be replacing it (Windows)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return clierr.New(clierr.Unexpected, "reading config %s: %w", c.Path, err)
	}
	data, err := c.patch(old)
	if err != nil {
		return clierr.New(clierr.Usage, "updating config %s: %w", c.Path, err)
	}
	// A 0600 temp file renamed over the old one, so a reader never sees
	// half a config.
	if err := fsretry.WriteFile(c.Path, data); err != nil {
		return clierr.New(clierr.Unexpected, "writing config %s: %w", c.Path, err)
	}
	return os.Chmod(c.Path, 0o600)
}
