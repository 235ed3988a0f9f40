package cmd

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/providers/providertest"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/ui"
)

// world is what a command test runs sesame in: its own config folder, a
// memory store shared by every run (as a keychain would be), an
// environment of its own, a settable clock, and the fake vendors it starts.
// Nothing in it touches the process's environment, so tests run in
// parallel.
type world struct {
	t     testing.TB
	dir   string
	env   map[string]string
	clock *providertest.Clock
	urls  map[string]string
	// runner, when set, records child processes instead of running them.
	runner Runner

	mu  sync.Mutex
	mem credstore.Store
}

func newWorld(t testing.TB) *world {
	t.Helper()
	dir := t.TempDir()
	return &world{
		t:     t,
		dir:   dir,
		env:   map[string]string{"SESAME_STORE": "memory", "SESAME_CONFIG": filepath.Join(dir, "config.yaml")},
		clock: providertest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)),
		urls:  map[string]string{},
	}
}

// sandbox starts the fake of a vendor and returns its profile URL.
func (w *world) sandbox(name string, o sandbox.Options) string {
	w.t.Helper()
	o.Now = w.clock.Now
	v, err := sandbox.New(name, o)
	if err != nil {
		w.t.Fatal(err)
	}
	srv := httptest.NewServer(v)
	w.t.Cleanup(srv.Close)
	w.urls[name] = sandbox.ProfileURL(name, srv.URL)
	return w.urls[name]
}

// result is what one run of sesame did.
type result struct {
	code        int
	out, errOut string
}

// run runs sesame with args, stdin reading in.
func (w *world) run(in string, args ...string) result {
	w.t.Helper()
	app, stdin, out, errOut := w.app()
	stdin.WriteString(in)
	code := run(app, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// app is an App of this world: its config, store, clock and environment,
// and test streams.
func (w *world) app() (app *App, stdin, out, errOut *bytes.Buffer) {
	app = newApp()
	io, stdin, out, errOut := ui.Test()
	app.IO = io
	app.Runner = w.runner
	if w.runner != nil {
		// Nothing really runs: any curl will do, installed or not.
		app.LookPath = func(string) (string, error) { return "/usr/bin/curl", nil }
	}
	app.Now = w.clock.Now
	env := w.env
	app.Getenv = func(k string) string { return env[k] }
	app.ConfigDir = func() (string, error) { return w.dir, nil }
	w.mu.Lock()
	if w.mem == nil {
		w.mem = credstore.NewMemory()
	}
	app.Service().SetStore("memory", w.mem)
	w.mu.Unlock()
	return app, stdin, out, errOut
}

// ok runs sesame and fails the test unless it exits 0.
func (w *world) ok(in string, args ...string) result {
	w.t.Helper()
	r := w.run(in, args...)
	if r.code != 0 {
		w.t.Fatalf("sesame %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.errOut)
	}
	return r
}

// loginTDX logs the tdx profile in to a fresh fake.
func (w *world) loginTDX() string {
	w.t.Helper()
	url := w.sandbox("tdx", sandbox.Options{})
	w.ok(sandbox.TDXPassword, "login", "tdx", "--url", url, "--username", sandbox.TDXUser, "--password-stdin")
	return url
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// recorder is a Runner that runs nothing and keeps what it was asked.
type recorder struct {
	mu   sync.Mutex
	runs []recordedRun
	code int // the exit code each run "returns"
}

type recordedRun struct {
	argv, env []string
	stdin     string
	files     []string
	started   error // what Child.Started returned
}

func (r *recorder) Run(c *Child) error {
	b, _ := io.ReadAll(c.Stdin)
	var started error
	if c.Started != nil {
		started = c.Started()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, recordedRun{argv: c.Argv, env: c.Env, stdin: string(b), files: c.Files, started: started})
	if started != nil {
		return started
	}
	fmt.Fprintf(c.Stdout, "ran %s\n", strings.Join(c.Argv, " "))
	if r.code != 0 {
		return &passThrough{code: r.code}
	}
	return nil
}
