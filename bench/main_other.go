//go:build !unix

// The harness reads rusage and forks many processes: it runs on Unix only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench: runs on Linux and macOS only")
	os.Exit(2)
}
