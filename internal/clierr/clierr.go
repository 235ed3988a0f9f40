// Package clierr holds the typed error that carries sesame's exit codes
// (SPEC §7). Every layer may wrap an error in one; only cmd.Execute turns
// it into a process exit status. It must never hold a secret in its text.
package clierr

import (
	"context"
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

	// Interrupted is Ctrl-C (SIGINT): the shell's 128+2. Every command
	// cancelled by it exits with this, whatever it was doing.
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

// Code is the exit code for err: Interrupted when it comes from a
// cancelled context (sesame's contexts are cancelled only by Ctrl-C),
// whatever code a layer gave it on the way up (a request cut short reads
// as a network error there); else its own code if it carries one; else 1.
func Code(err error) int {
	if err == nil {
		return OK
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unexpected
}

// ErrInterrupted is Ctrl-C: errors.Is finds context.Canceled in it, so
// Code gives it Interrupted.
var ErrInterrupted error = interrupted{}

type interrupted struct{}

func (interrupted) Error() string        { return "interrupted" }
func (interrupted) Is(target error) bool { return target == context.Canceled }

// Interrupt marks err as the outcome of an interrupt: its text is kept,
// its exit code becomes Interrupted. The root calls it for an error that
// ends a command after Ctrl-C, however a layer worded or coded it.
func Interrupt(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &interruptedErr{err}
}

type interruptedErr struct{ err error }

func (e *interruptedErr) Error() string   { return e.err.Error() }
func (e *interruptedErr) Unwrap() []error { return []error{e.err, ErrInterrupted} }

// HTTPStatus is `sesame api`'s exit code for an answer with an HTTP error
// status (400 or more).
const HTTPStatus = 7

// Meaning is one row of the exit-code table: `sesame help exit-codes`
// prints it and a test holds the README's table to it.
type Meaning struct {
	Code string // "0", "126, 127", "any"
	Text string
}

// Meanings is the exit-code table (SPEC §7), in the README's words.
func Meanings() []Meaning {
	return []Meaning{
		{"0", "ok"},
		{"1", "unexpected error (also: no `curl` on PATH)"},
		{"2", "usage: bad flag, missing input, unknown profile, no secret and no terminal"},
		{"3", "the vendor rejected the credentials or the account"},
		{"4", "no valid session, and renewal not possible (no saved secret, or the vendor ended the session and refused the saved one) or not allowed (`--no-renew`); or the session was issued for another instance or account than the profile now names; `status --check`: the vendor refused a session"},
		{"5", "network, TLS, timeout, vendor 5xx, or an answer that is not what the vendor documents; `status --check`: a vendor unreachable"},
		{"6", "the credential store is unavailable or failed (including a corrupt session)"},
		{"7", "`sesame api` only: the API answered with an HTTP error status (400 or more); the body is on stdout, `sesame: HTTP 404 from …` on stderr"},
		{"126, 127", "`sesame exec` only: the command cannot be run (126) or is not there (127), as `sh` says"},
		{"130", "interrupted: Ctrl-C or SIGTERM (the password prompt included), whatever the command was doing; every lock released, the store left whole"},
		{"child's", "`sesame curl`, `sesame exec` and `sesame proxy -- CMD` exit with their child's code"},
	}
}
