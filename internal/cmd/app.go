package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/ui"
)

// App is the world a command runs in. Everything behind a credential —
// config, stores, HTTP, providers — is the session Service's, built on
// first use, so that `token show` pays only for what it touches.
type App struct {
	IO     *ui.IO
	Now    func() time.Time
	Getenv func(string) string
	// Sleep waits between retries; nil means really waiting. Tests move
	// their clock instead.
	Sleep func(ctx context.Context, d time.Duration) error

	// ConfigDir is sesame's default folder (the config file when no
	// --config or SESAME_CONFIG names one; running proxies); config.Dir in a
	// real run.
	ConfigDir func() (string, error)

	// Global flags (--config, --profile, --store, --timeout, --cacert,
	// --debug), bound by the root command.
	session.Flags

	// Runner starts child processes (exec, proxy -- CMD, sandbox); nil
	// means the OS.
	Runner Runner
	// LookPath finds a program on PATH (curl); nil means exec.LookPath.
	LookPath func(file string) (string, error)

	// Providers are the providers sesame knows; nil means the shipped
	// ones. Tests plug in their own.
	Providers session.Providers

	svc *session.Service
	// storeNotice holds auto's fall-back notice until a command succeeds:
	// login prints it once per profile, others when they finish.
	storeNotice strings.Builder
}

// Service is the session service, the one door to a credential; it is
// built on first use, after the flags are parsed.
func (a *App) Service() *session.Service {
	if a.svc == nil {
		a.svc = session.New(session.Deps{
			Flags:     &a.Flags,
			Getenv:    a.Getenv,
			Now:       a.Now,
			Sleep:     a.Sleep,
			ConfigDir: a.ConfigDir,
			ErrOut:    a.IO.ErrOut,
			Notice:    &a.storeNotice,
			Providers: a.Providers,
		})
	}
	return a.svc
}

// flushStoreNotice prints a held-back store notice, prefixed with what it
// concerns.
func (a *App) flushStoreNotice(about string) {
	if a.storeNotice.Len() > 0 {
		fmt.Fprint(a.IO.ErrOut, "sesame: "+about+a.storeNotice.String())
		a.storeNotice.Reset()
	}
}

// Config loads the config file once.
func (a *App) Config() (*config.Config, error) { return a.Service().Config() }

// storeKind is the store a profile uses (session.ChooseStore).
func (a *App) storeKind(p *config.Profile) string { return a.Service().StoreChoice(p).Kind }

// resolveProfile picks the profile a command acts on: a positional argument,
// else --profile, else SESAME_PROFILE, else the only one.
func (a *App) resolveProfile(arg string) (*config.Profile, error) {
	return a.Service().Resolve(arg)
}

func newApp() *App {
	return &App{
		IO:        ui.System(),
		Now:       time.Now,
		Getenv:    os.Getenv,
		ConfigDir: config.Dir,
		Flags:     session.Flags{Timeout: 30 * time.Second},
	}
}

// usageErr marks a usage mistake (exit 2).
func usageErr(format string, args ...any) error {
	return clierr.New(clierr.Usage, format, args...)
}
