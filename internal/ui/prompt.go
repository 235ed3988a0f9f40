package ui

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// ReadSecret prompts on ErrOut and reads a line from the terminal on In
// without echo.
//
// The terminal is in raw mode while it reads, so that Ctrl-C arrives as a
// byte and cancels the prompt (clierr.ErrInterrupted, exit 130) instead of a
// signal that a blocked read never sees: term.ReadPassword would keep
// waiting with echo off and take the next line typed as the secret. The
// terminal's state is restored on every way out: Enter, Ctrl-C, Ctrl-D,
// ctx cancelled (SIGINT from elsewhere), SIGTERM (exit 130, as Ctrl-C) and
// SIGHUP (exit 129).
func (io *IO) ReadSecret(ctx context.Context, prompt string) (string, error) {
	_, _ = io.ErrOut.Write([]byte(prompt))
	old, err := term.MakeRaw(io.InFd)
	if err != nil {
		_, _ = io.ErrOut.Write([]byte("\n"))
		return "", err
	}
	restore := func() {
		_ = term.Restore(io.InFd, old)
		_, _ = io.ErrOut.Write([]byte("\n"))
	}
	terms := make(chan os.Signal, 1)
	notifyTerminate(terms)
	defer signal.Stop(terms)

	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readRawLine(io.In)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		restore()
		return string(r.line), r.err
	case <-ctx.Done():
		restore()
		return "", clierr.ErrInterrupted
	case sig := <-terms:
		restore()
		if sig == syscall.SIGTERM {
			// SIGTERM is Ctrl-C (SPEC §7): exit 130.
			return "", clierr.ErrInterrupted
		}
		// The shell's code for death by that signal: 129 for SIGHUP.
		return "", clierr.New(signalCode(sig), "%v", sig)
	}
	// The reader goroutine stays blocked in its read after a cancel; the
	// command is ending, and nothing else reads the terminal.
}

// readRawLine reads one line from a terminal in raw mode, doing the line
// editing the terminal would: Backspace, Ctrl-U (erase the line), Enter,
// Ctrl-C (interrupt) and Ctrl-D (end of input on an empty line).
func readRawLine(r io.Reader) ([]byte, error) {
	var line []byte
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 0 {
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) && len(line) > 0 {
				return line, nil
			}
			return nil, err
		}
		switch c := b[0]; c {
		case '\r', '\n':
			return line, nil
		case 3: // Ctrl-C
			clear(line)
			return nil, clierr.ErrInterrupted
		case 4: // Ctrl-D
			if len(line) == 0 {
				return nil, io.EOF
			}
		case 8, 127: // Backspace, Delete
			if len(line) > 0 {
				line = trimLastRune(line)
			}
		case 21: // Ctrl-U
			clear(line)
			line = line[:0]
		default:
			line = append(line, c)
		}
	}
}

// trimLastRune drops the last UTF-8 character of b.
func trimLastRune(b []byte) []byte {
	i := len(b) - 1
	for i > 0 && b[i]&0xC0 == 0x80 {
		i--
	}
	return b[:i]
}
