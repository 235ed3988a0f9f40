//go:build windows

package ui

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyTerminate relays SIGTERM (a console close on Windows) to c.
func notifyTerminate(c chan<- os.Signal) { signal.Notify(c, syscall.SIGTERM) }

// signalCode is the shell's exit code for death by s: 128+N.
func signalCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGTERM)
}
