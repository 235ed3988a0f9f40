package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/transport"
	"github.com/sesame-cli/sesame/internal/ui"
)

// App is the world a command runs in. Its heavy parts are built on first
// use, so that `token show` pays only for what it touches.
type App struct {
	IO     *ui.IO
	Now    func() time.Time
	Getenv func(string) string
	// Sleep waits between retries; nil means really waiting. Tests move
	// their clock instead.
	Sleep func(ctx context.Context, d time.Duration) error

	// ConfigDir is sesame's folder (sessions, locks); config.Dir in a
	// real run.
	ConfigDir func() (string, error)

	// Global flags.
	ConfigPath string
	Profile    string
	StoreKind  string
	Timeout    time.Duration
	CAFile     string
	Debug      bool

	// Providers are the providers sesame knows; nil means
	// registry.Default(). Tests plug in their own.
	Providers *registry.Registry

	flags  flagLookup
	cfg    *config.Config
	http   *transport.Client
	stores map[string]credstore.Store
	fleets map[string]*fleet.Store
	mgr    *session.Manager
	svc    *session.Service
	// storeNotice holds auto's fall-back notice until a command succeeds:
	// login prints it once per profile, others when they finish.
	storeNotice strings.Builder

	// curlPrime, when set, checks the session once curl has started.
	curlPrime func() error
}

// flushStoreNotice prints a held-back store notice, prefixed with what it
// concerns.
func (a *App) flushStoreNotice(about string) {
	if a.storeNotice.Len() > 0 {
		fmt.Fprint(a.IO.ErrOut, "sesame: "+about+a.storeNotice.String())
		a.storeNotice.Reset()
	}
}

// flagLookup tells whether a global flag was set on the command line.
type flagLookup func(name string) bool

// Config loads the config file once.
func (a *App) Config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path, err := a.configPath()
	if err != nil {
		return nil, err
	}
	c, err := config.Load(path, nil)
	if err != nil {
		return nil, err
	}
	a.cfg = c
	return c, nil
}

// HTTP is the client for sesame's own requests.
func (a *App) HTTP() (*transport.Client, error) {
	if a.http != nil {
		return a.http, nil
	}
	o := transport.Options{Timeout: a.timeout(), CAFile: a.caFile(), Now: a.Now, Sleep: a.Sleep}
	if a.Debug || a.Getenv("SESAME_DEBUG") == "1" {
		o.Debug = a.IO.ErrOut
	}
	c, err := transport.New(o)
	if err != nil {
		return nil, err
	}
	a.http = c
	return c, nil
}

// timeout is --timeout when given, else SESAME_TIMEOUT or the config file's
// (config.Setting resolves env over file over default).
func (a *App) timeout() time.Duration {
	if a.flags != nil && a.flags("timeout") {
		return a.Timeout
	}
	if c, err := a.Config(); err == nil {
		if d, err := time.ParseDuration(c.Setting("timeout")); err == nil && d > 0 {
			return d
		}
	}
	return a.Timeout
}

func (a *App) caFile() string {
	if a.CAFile != "" {
		return a.CAFile
	}
	if c, err := a.Config(); err == nil {
		return c.Setting("cacert") // SESAME_CA_FILE, SESAME_CACERT or the file
	}
	return ""
}

// storeKind is the store a profile uses: --store / SESAME_STORE when they
// name a store, else the store recorded at the profile's login, else the
// config file's `store:`, else auto. "auto" never overrides a recorded
// store: it is a way to choose at login, not a place to read from.
func (a *App) storeKind(p *config.Profile) string {
	return a.storeChoice(p).Kind
}

// storeChoice is session.ChooseStore for p (nil: a new login).
func (a *App) storeChoice(p *config.Profile) session.StoreChoice {
	recorded, file := "", ""
	if p != nil {
		recorded = p.Store
	}
	if c, err := a.Config(); err == nil {
		file = c.Store
	}
	return session.ChooseStore(a.StoreKind, a.Getenv("SESAME_STORE"), recorded, file)
}

// Store opens (once per kind) the store a profile uses.
func (a *App) Store(p *config.Profile) (credstore.Store, error) {
	return a.openStore(a.storeKind(p))
}

func (a *App) openStore(kind string) (credstore.Store, error) {
	if st, ok := a.stores[kind]; ok {
		return st, nil
	}
	dir, err := a.stateDir()
	if err != nil {
		return nil, err
	}
	st, err := credstore.Open(kind, credstore.Options{
		Dir:    filepath.Join(dir, "sessions"),
		Warn:   a.IO.ErrOut,
		Notice: &a.storeNotice,
		CI:     a.Getenv("CI") != "",
		Getenv: a.Getenv,
	})
	if err != nil {
		return nil, err
	}
	if a.stores == nil {
		a.stores = map[string]credstore.Store{}
	}
	a.stores[kind] = st
	// auto hands back the store it chose; later asks for that kind by name
	// get the same instance, so a keychain found dead is not asked again.
	if _, ok := a.stores[st.Name()]; !ok {
		a.stores[st.Name()] = st
	}
	return st, nil
}

// Sessions is the session manager.
func (a *App) Sessions() (*session.Manager, error) {
	if a.mgr != nil {
		return a.mgr, nil
	}
	dir, err := a.stateDir()
	if err != nil {
		return nil, err
	}
	a.mgr = &session.Manager{
		Store: a.Store,
		// Each config file has its own items, even for one profile name.
		Key: func(p *config.Profile, st credstore.Store) string {
			c, err := a.Config()
			if err != nil {
				return p.Name
			}
			return c.StoreKey(p.Name, st.Name() == credstore.KindKeyring)
		},
		// A saved secret is sent only from a config file nobody else can
		// edit (exit 6 with the chmod that fixes it).
		CheckSecret: func(*config.Profile) error {
			c, err := a.Config()
			if err != nil {
				return err
			}
			return config.CheckWritable(c.Path)
		},
		// Twice a login's worst case: 4 attempts (1 + 3 retries) of one
		// timeout each.
		LockWait: 2 * 4 * a.timeout(),
		Provider: a.providers().Get,
		Env: func() (*providers.Env, error) {
			c, err := a.HTTP()
			if err != nil {
				return nil, err
			}
			return &providers.Env{HTTP: c, Now: a.Now}, nil
		},
		Windows: a.windows,
		LockDir: filepath.Join(dir, "locks"),
		Now:     a.Now,
		Fleet:   a.fleetStore,
		Warn:    a.IO.ErrOut,
	}
	return a.mgr, nil
}

// configPath is where the config file lives: --config, else
// $SESAME_CONFIG, else config.yaml in the config folder (SPEC §1: flag >
// env > file).
func (a *App) configPath() (string, error) {
	if a.ConfigPath != "" {
		return a.ConfigPath, nil
	}
	if p := a.Getenv("SESAME_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config.yaml"), nil
}

// stateDir is the folder the file store's sessions/ and the renewal locks/
// live in: the config file's own folder (config.StateDir).
func (a *App) stateDir() (string, error) {
	p, err := a.configPath()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", clierr.New(clierr.Unexpected, "cannot resolve the config path %s: %w", p, err)
	}
	return filepath.Dir(abs), nil
}

func (a *App) configDir() (string, error) {
	if a.ConfigDir == nil {
		return config.Dir()
	}
	return a.ConfigDir()
}

// providers is the registry commands look providers up in.
func (a *App) providers() *registry.Registry {
	if a.Providers == nil {
		a.Providers = registry.Default()
	}
	return a.Providers
}

func (a *App) windows(p *config.Profile) providers.Windows {
	c, err := a.Config()
	if err != nil {
		c = nil
	}
	return session.WindowsFor(c, p)
}

// Service is the session service: the one door to a credential.
func (a *App) Service() (*session.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	mgr, err := a.Sessions()
	if err != nil {
		return nil, err
	}
	a.svc = &session.Service{
		Manager:     mgr,
		Config:      a.Config,
		Providers:   a.providers().Get,
		StoreFlag:   a.StoreKind,
		Getenv:      a.Getenv,
		ProfileFlag: a.Profile,
	}
	return a.svc, nil
}

// resolveProfile picks the profile a command acts on: a positional argument,
// else --profile, else SESAME_PROFILE, else the only one.
func (a *App) resolveProfile(arg string) (*config.Profile, error) {
	svc, err := a.Service()
	if err != nil {
		return nil, err
	}
	return svc.Resolve(arg)
}

func newApp() *App {
	return &App{
		IO:        ui.System(),
		Now:       time.Now,
		Getenv:    os.Getenv,
		ConfigDir: config.Dir,
		Timeout:   30 * time.Second,
	}
}

// usageErr marks a usage mistake (exit 2).
func usageErr(format string, args ...any) error {
	return clierr.New(clierr.Usage, format, args...)
}
