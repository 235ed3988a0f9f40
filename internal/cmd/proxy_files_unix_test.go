//go:build !windows

package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteEnvFileOthers: a file of another user at the path is refused
// (and left alone); needs root to make one.
func TestWriteEnvFileOthers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("making another user's file needs root")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "p.env")
	if err := os.WriteFile(path, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skip(err)
	}
	err := writeEnvFile(path, "SESAME_PROXY_TOKEN=x\n")
	if err == nil || !strings.Contains(err.Error(), "belongs to another user") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("file now %q", b)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(dir)
	if why := notPrivateDir(fi); why == "" {
		t.Error("another user's folder passes as private")
	}
}

func TestWriteEnvFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p.env")
	if err := writeEnvFile(path, "A=1\n"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}
