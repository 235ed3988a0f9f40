//go:build !windows

package ui

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyTerminate relays SIGTERM (and SIGHUP: the terminal went away) to c.
func notifyTerminate(c chan<- os.Signal) { signal.Notify(c, syscall.SIGTERM, syscall.SIGHUP) }

// signalCode is the shell's exit code for death by s: 128+N.
func signalCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGTERM)
}
