// Package ui is everything sesame shows people: the streams and whether each
// is a terminal, lipgloss styles (only for terminals, never with NO_COLOR),
// relative times, and the login spinner. Data paths (token show, env, exec,
// curl) must not call into the styling here: lipgloss/termenv can stall for
// seconds asking a terminal for its colours.
package ui

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IO is the process's streams and what they are connected to.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InFd is In's file descriptor when In is a terminal (for no-echo prompts).
	InFd   int
	InTTY  bool
	OutTTY bool
	ErrTTY bool
}

// System returns the process's own streams.
func System() *IO {
	return &IO{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InFd:   int(os.Stdin.Fd()),
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Width is the number of columns of the terminal out is, when it is one;
// else $COLUMNS; else 0 (no limit: a pipe gets whole lines).
func Width(out io.Writer, tty bool) int {
	if f, ok := out.(interface{ Fd() uintptr }); ok && tty {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if !tty {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// Test returns streams for a test: stdin reads in, stdout and stderr are
// buffers, and none is a terminal (as gh's iostreams.Test).
func Test() (s *IO, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
