package cmd

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// Runner starts the child processes of exec, proxy -- CMD and sandbox
// exec/demo. App.Runner is the OS in a real run; tests put a recorder
// there to see what would run, with which environment, without running it.
type Runner interface {
	// Run runs argv with exactly env and waits for it; a non-zero exit
	// comes back as an error carrying that exit code.
	Run(argv, env []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// osRunner runs real processes.
type osRunner struct{}

// runChild runs argv with env through the app's Runner, wired to the app's
// streams (stdin: the app's unless given).
func runChild(app *App, argv, env []string, stdin io.Reader) error {
	if stdin == nil {
		stdin = app.IO.In
	}
	r := app.Runner
	if r == nil {
		r = osRunner{}
	}
	return r.Run(argv, env, stdin, app.IO.Out, app.IO.ErrOut)
}

// Run implements Runner: the child is wired to the given streams, gets
// the signals sesame gets, and its exit code comes back as a passThrough.
func (osRunner) Run(argv, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = env
	c.Stdin, c.Stdout, c.Stderr = stdin, stdout, stderr
	if err := c.Start(); err != nil {
		// The shell's convention, which scripts test for: 127 for a
		// command that is not there, 126 for one that cannot be run.
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return clierr.New(127, "%s: command not found", argv[0])
		}
		return clierr.New(126, "cannot run %s: %v", argv[0], err)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
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
