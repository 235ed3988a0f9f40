//go:build !linux

package main

import (
	"fmt"
	"os"
)

// ptyRunMain needs Linux's pseudo-terminal calls; scripts that use it
// skip elsewhere ([!linux] skip).
func ptyRunMain() {
	fmt.Fprintln(os.Stderr, "ptyrun: Linux only")
	os.Exit(99)
}
