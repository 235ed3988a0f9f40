//go:build !windows

package cmd

import (
	"os/exec"
	"syscall"
)

// signalNumber is the signal that killed a child, for the shell's 128+N code.
func signalNumber(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal())
	}
	return 0
}
