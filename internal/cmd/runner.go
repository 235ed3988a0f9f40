package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// Runner starts the child processes of exec, proxy -- CMD, curl and
// sandbox exec/demo. App.Runner is the OS in a real run; tests put a
// recorder there to see what would run, with which environment and which
// files, without running it.
type Runner interface {
	// Run runs c and waits for it; a non-zero exit comes back as an error
	// carrying that exit code.
	Run(c *Child) error
}

// Child is one process to run.
type Child struct {
	// Argv is the command line; Env is exactly its environment.
	Argv, Env []string
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	// Files are handed to the child to read once, never through argv or
	// its environment: on Unix as inherited pipes, fd 3, 4, …; on Windows
	// as 0600 temp files removed when it exits. Argv names file k by
	// ChildFile(k), which the runner replaces where the OS needs a path.
	Files []string
	// Started, when set, runs once the child is running (sesame curl
	// checks the session while curl starts); an error stops the child and
	// is what Run returns.
	Started func() error
	// TerminalInterrupt says the child is in the terminal's process group
	// and gets Ctrl-C from it: SIGINT is not passed on a second time.
	TerminalInterrupt bool
}

// ChildFile is how argv names the k-th of Child.Files.
func ChildFile(k int) string { return fmt.Sprintf("/dev/fd/%d", 3+k) }

// osRunner runs real processes.
type osRunner struct{}

// runChild runs argv with env through the app's Runner, wired to the app's
// streams (stdin: the app's unless given).
func runChild(app *App, argv, env []string, stdin io.Reader) error {
	if stdin == nil {
		stdin = app.IO.In
	}
	return app.runner().Run(&Child{Argv: argv, Env: env, Stdin: stdin, Stdout: app.IO.Out, Stderr: app.IO.ErrOut})
}

func (a *App) runner() Runner {
	if a.Runner == nil {
		return osRunner{}
	}
	return a.Runner
}

// Run implements Runner: the child is wired to the given streams, gets
// the signals sesame gets, and its exit code comes back as a passThrough.
func (osRunner) Run(ch *Child) error {
	argv := append([]string(nil), ch.Argv...)
	var extra []*os.File
	var cleanup []func()
	defer func() {
		for _, f := range cleanup {
			f()
		}
	}()
	for k, content := range ch.Files {
		if runtime.GOOS == "windows" {
			// No fd inheritance by number: a 0600 temp file, removed when
			// the child exits (what it carries is worthless by then).
			f, err := os.CreateTemp("", "sesame-child-*")
			if err != nil {
				return err
			}
			_, werr := f.WriteString(content)
			f.Close()
			name := f.Name()
			cleanup = append(cleanup, func() { os.Remove(name) })
			if werr != nil {
				return werr
			}
			for j, s := range argv {
				if s == ChildFile(k) {
					argv[j] = name
				}
			}
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		go func() {
			_, _ = w.WriteString(content)
			w.Close()
		}()
		extra = append(extra, r)
		cleanup = append(cleanup, func() { r.Close() })
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = ch.Env
	c.ExtraFiles = extra
	c.Stdin, c.Stdout, c.Stderr = ch.Stdin, ch.Stdout, ch.Stderr
	if err := c.Start(); err != nil {
		// The shell's convention, which scripts test for: 127 for a
		// command that is not there, 126 for one that cannot be run.
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return clierr.New(127, "%s: command not found", argv[0])
		}
		return clierr.New(126, "cannot run %s: %v", argv[0], err)
	}
	for _, f := range extra {
		f.Close() // the child has its copies
	}
	if ch.Started != nil {
		if err := ch.Started(); err != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
			return err
		}
	}
	sigs := make(chan os.Signal, 4)
	if ch.TerminalInterrupt {
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	} else {
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	}
	defer signal.Stop(sigs)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = c.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := c.Wait()
	close(done)
	return exitOf(err)
}
