// Package clierr holds the typed error that carries sesame's exit codes
// (SPEC §7). Every layer may wrap an error in one; only cmd.Execute turns
// it into a process exit status. It must never hold a secret in its text.
package clierr

import (
	"errors"
	"fmt"
)

// Exit codes, SPEC §7.
const (
	OK         = 0
	Unexpected = 1
	Usage      = 2 // bad flag, missing input, unknown profile
	Rejected   = 3 // the vendor rejected the credentials
	NoSession  = 4 // no valid session and renewal not possible or not allowed
	Network    = 5 // network, TLS, timeout, vendor 5xx, unusable vendor answer
	Store      = 6 // credential store unavailable or failed
	// Interrupted is the shell's code for a command ended by Ctrl-C
	// (128 + SIGINT).
	Interrupted = 130
)

// Error is an error with the exit code it should produce.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with a formatted message (fmt.Errorf rules, so %w works).
func New(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Wrap gives err an exit code unless it already carries one.
func Wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Err: err}
}

// Code is the exit code for err: its own if it carries one, else 1.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unexpected
}
