package session

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/transport"
)

// Flags are the global command-line flags the Service reads. The command
// line binds them; the Service reads them when it first needs each one, so
// that a command may adjust one (curl's --cacert) before that.
type Flags struct {
	ConfigPath string        // --config
	Profile    string        // --profile
	StoreKind  string        // --store
	Timeout    time.Duration // --timeout
	CAFile     string        // --cacert
	Debug      bool          // --debug
	// Changed reports whether a flag was given; nil means none was.
	Changed func(name string) bool
}

// Deps are the world a Service is built in.
type Deps struct {
	Flags  *Flags
	Getenv func(string) string
	Now    func() time.Time
	// Sleep waits between retries; nil means really waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// ConfigDir is the default config folder; nil means config.Dir.
	ConfigDir func() (string, error)
	// ErrOut gets store warnings and, with --debug, the HTTP log.
	ErrOut io.Writer
	// Notice holds the auto store's fall-back notice until the command
	// says it (see credstore.Options.Notice).
	Notice *strings.Builder
	// Providers are the providers known; nil means the shipped ones.
	Providers Providers
}

// New builds a Service. Nothing is read or opened until it is needed:
// `token show` pays only for what it touches.
func New(d Deps) *Service {
	if d.Flags == nil {
		d.Flags = &Flags{}
	}
	reg := registry.Default()
	if d.Providers != nil {
		reg = registry.New(d.Providers...)
	}
	return &Service{d: d, reg: reg}
}

// ConfigDir is sesame's folder under the OS config directory, where the
// config file is when neither --config nor SESAME_CONFIG names one.
func (s *Service) ConfigDir() (string, error) {
	if s.d.ConfigDir == nil {
		return config.Dir()
	}
	return s.d.ConfigDir()
}

// ConfigPath is where the config file lives: --config, else
// $SESAME_CONFIG, else config.yaml in ConfigDir (SPEC §1: flag > env >
// file).
func (s *Service) ConfigPath() (string, error) {
	return config.DefaultPath(s.d.Flags.ConfigPath, s.d.Getenv, s.ConfigDir)
}

// StateDir is the folder the file store's sessions/ and the renewal
// locks/ live in: the config file's own folder (see config.StateDir), so
// that two configs never share sessions.
func (s *Service) StateDir() (string, error) {
	p, err := s.ConfigPath()
	if err != nil {
		return "", err
	}
	return config.StateDir(p)
}

func (s *Service) loadConfig() (*config.Config, error) {
	if s.cfg != nil {
		return s.cfg, nil
	}
	path, err := s.ConfigPath()
	if err != nil {
		return nil, err
	}
	c, err := config.LoadEnv(path, s.d.Getenv)
	if err != nil {
		return nil, err
	}
	s.cfg = c
	return c, nil
}

// httpClient is the client for sesame's own requests.
func (s *Service) httpClient() (*transport.Client, error) {
	if s.http != nil {
		return s.http, nil
	}
	o := transport.Options{Timeout: s.timeout(), CAFile: s.CAFile(), Now: s.d.Now, Sleep: s.d.Sleep, Waits: s.d.ErrOut}
	if s.d.Flags.Debug || s.d.Getenv("SESAME_DEBUG") == "1" {
		o.Debug = s.d.ErrOut
	}
	c, err := transport.New(o)
	if err != nil {
		return nil, err
	}
	s.http = c
	return c, nil
}

// Scrub hides from msg every secret this run's HTTP client handled; msg
// as it is when none was built.
func (s *Service) Scrub(msg string) string {
	if s.http == nil {
		return msg
	}
	return s.http.Secrets().String(msg)
}

// timeout is --timeout when given, else SESAME_TIMEOUT or the config
// file's (config.Setting resolves env over file over default).
func (s *Service) timeout() time.Duration {
	f := s.d.Flags
	if f.Changed != nil && f.Changed("timeout") {
		return f.Timeout
	}
	if c, err := s.Config(); err == nil {
		if d, err := time.ParseDuration(c.Setting("timeout")); err == nil && d > 0 {
			return d
		}
	}
	return f.Timeout
}

// CAFile is the extra CA bundle: --cacert, else SESAME_CA_FILE,
// SESAME_CACERT or the config file's.
func (s *Service) CAFile() string {
	if s.d.Flags.CAFile != "" {
		return s.d.Flags.CAFile
	}
	if c, err := s.Config(); err == nil {
		return c.Setting("cacert")
	}
	return ""
}

// store opens (once per kind) the store a profile uses.
func (s *Service) store(p *config.Profile) (credstore.Store, error) {
	return s.openStore(s.StoreChoice(p).Kind)
}

// openStore opens a store of a kind (auto: the keychain, else files).
func (s *Service) openStore(kind string) (credstore.Store, error) {
	if st, ok := s.stores[kind]; ok {
		return st, nil
	}
	if kind == StoreMemory {
		// A memory store of its own dies with this process: a login would
		// be lost at once, and every other command would find nothing.
		// Only a test that hands one store to many runs (SetStore) uses it.
		src := "the store"
		if c := s.StoreChoice(nil); c.Kind == kind {
			src = c.Source
		}
		return nil, clierr.New(clierr.Usage, "%s %q keeps nothing once sesame exits, and every command needs what a login left: use keyring or file", src, kind)
	}
	dir, err := s.StateDir()
	if err != nil {
		return nil, err
	}
	st, err := credstore.Open(kind, credstore.Options{
		Dir:    filepath.Join(dir, "sessions"),
		Warn:   s.d.ErrOut,
		Notice: s.d.Notice,
		CI:     s.d.Getenv("CI") != "",
		Getenv: s.d.Getenv,
	})
	if err != nil {
		return nil, err
	}
	s.SetStore(kind, st)
	// auto hands back the store it chose; later asks for that kind by name
	// get the same instance, so a keychain found dead is not asked again.
	if _, ok := s.stores[st.Name()]; !ok {
		s.stores[st.Name()] = st
	}
	return st, nil
}

// SetStore makes kind open st (tests: a memory store shared by runs).
func (s *Service) SetStore(kind string, st credstore.Store) {
	if s.stores == nil {
		s.stores = map[string]credstore.Store{}
	}
	s.stores[kind] = st
}

// sessions is the session manager: Service's own, never a command's.
func (s *Service) sessions() (*manager, error) {
	if s.mgr != nil {
		return s.mgr, nil
	}
	dir, err := s.StateDir()
	if err != nil {
		return nil, err
	}
	s.mgr = &manager{
		Store: s.store,
		// Each config file has its own items, even for one profile name.
		Key: func(p *config.Profile, st credstore.Store) string {
			c, err := s.Config()
			if err != nil {
				return p.Name
			}
			return c.StoreKey(p.Name, st.Name() == credstore.KindKeyring)
		},
		// A saved secret is sent only from a config file nobody else can
		// edit (exit 6 with the chmod that fixes it).
		CheckSecret: func(*config.Profile) error {
			c, err := s.Config()
			if err != nil {
				return err
			}
			return config.CheckWritable(c.Path)
		},
		// Twice a login's worst case: 4 attempts (1 + 3 retries) of one
		// timeout each.
		LockWait:     2 * 4 * s.timeout(),
		LoginTimeout: s.timeout(),
		Provider:     s.provider,
		Env: func() (*providers.Env, error) {
			c, err := s.httpClient()
			if err != nil {
				return nil, err
			}
			return &providers.Env{HTTP: c, Now: s.d.Now}, nil
		},
		Windows: s.windowsOf,
		LockDir: filepath.Join(dir, "locks"),
		Now:     s.d.Now,
		Fleet:   s.fleetStore,
		Warn:    s.d.ErrOut,
	}
	return s.mgr, nil
}

// Header is one request header that carries a session.
type Header struct{ Name, Value string }

// Keychain is what probing the OS keychain found (doctor).
type Keychain struct {
	Available bool
	Took      time.Duration
	// Reason is why it is not available.
	Reason string
}

// Traits are what commands read of a provider's own declaration
// (providers.Info), in session's words.
type Traits struct {
	// Paginates: list answers page by PageNumber (api --paginate).
	Paginates bool
	// KeepWarmAhead is how long before a session's end fleet keep-warm
	// renews it; 0 for the command's default.
	KeepWarmAhead time.Duration
	// AnswerError reads a vendor failure inside a 2xx answer ("" when
	// there is none); nil when the vendor has none.
	AnswerError func(status int, body []byte) string
	// Check is the cheap authenticated call status --check makes; nil
	// when the provider names none.
	Check func(p *config.Profile) CheckCall
}

// CheckCall is one request: method, path under the API base, body.
type CheckCall struct {
	Method, Path string
	Body         []byte
}

// Traits are what the provider called name declares; zero for a name no
// provider has.
func (s *Service) Traits(name string) Traits {
	prov, err := s.provider(name)
	if err != nil {
		return Traits{}
	}
	info := prov.Info()
	t := Traits{Paginates: info.Paginates, KeepWarmAhead: info.KeepWarmAhead, AnswerError: info.AnswerError}
	if check := info.Check; check != nil {
		t.Check = func(p *config.Profile) CheckCall {
			c := check(p)
			return CheckCall{Method: c.Method, Path: c.Path, Body: c.Body}
		}
	}
	return t
}

// ModeText is how status and login name p's mode: the provider's words
// for it, else the mode.
func (s *Service) ModeText(p *config.Profile) string {
	if prov, err := s.provider(p.Provider); err == nil {
		if mt := prov.Info().ModeText; mt != nil {
			return mt(p)
		}
	}
	return p.Mode
}

// BaseURL is p's API base.
func (s *Service) BaseURL(p *config.Profile) (string, error) {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return "", err
	}
	return prov.BaseURL(p)
}

// Store kinds.
const (
	StoreAuto    = credstore.KindAuto
	StoreKeyring = credstore.KindKeyring
	StoreFile    = credstore.KindFile
	StoreMemory  = credstore.KindMemory
)

// StoreKinds lists the store kinds --store accepts.
func StoreKinds() []string { return credstore.Kinds() }

// ProbeKeychain asks whether the OS keychain works here (doctor).
func (s *Service) ProbeKeychain() Keychain {
	r := credstore.Probe(credstore.Options{Getenv: s.d.Getenv})
	return Keychain{Available: r.Available, Took: r.Took, Reason: r.Reason}
}
