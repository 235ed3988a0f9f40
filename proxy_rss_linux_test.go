package main

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// writeRSS records the sesame process's peak RSS (KiB) for `maxrss`, when
// the script asks for it with SESAME_TEST_RSS=1.
func writeRSS() {
	work := os.Getenv("WORK")
	if os.Getenv("SESAME_TEST_RSS") != "1" || work == "" {
		return
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		_ = os.WriteFile(filepath.Join(work, ".sesame-rss"), []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o600)
	}
}
