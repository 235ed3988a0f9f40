package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVersionFromSourceBuild builds sesame the way a user of a clone does
// (`go build`) and checks that `sesame version` names the commit it was
// built from, read from git, without the release build's ldflags.
func TestVersionFromSourceBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds sesame")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	head, err := exec.Command(git, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout: " + err.Error())
	}
	bin := filepath.Join(t.TempDir(), "sesame")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=vendor")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// go stamps only a checkout whose .git is a folder: a `git worktree`
	// (a .git file) gets no stamp, and nothing can be checked there.
	if stamp, _ := exec.Command("go", "version", "-m", bin).Output(); !strings.Contains(string(stamp), "vcs.revision=") {
		if fi, err := os.Stat(".git"); err == nil && !fi.IsDir() {
			t.Skip("a git worktree: go records no VCS stamp")
		}
		t.Fatalf("go build recorded no commit:\n%s", stamp)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("sesame version: %v", err)
	}
	want := strings.TrimSpace(string(head))[:12]
	if !regexp.MustCompile(`^sesame version \S+ \(` + want + `(-dirty)?, 20\d\d-`).Match(out) {
		t.Errorf("sesame version = %q, want the commit %s and its date", out, want)
	}
}
