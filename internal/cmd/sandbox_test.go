package cmd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A symlink call that says yes but makes nothing (Wine's) falls back to a
// copy; so does one that fails.
func TestLinkOrCopyChecksTheLink(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "sesame.exe")
	if err := os.WriteFile(src, []byte("binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, symlink := range map[string]func(string, string) error{
		"lying":   func(string, string) error { return nil },
		"failing": func(string, string) error { return errors.New("a privilege is needed") },
		"wrong":   func(_, dst string) error { return os.WriteFile(dst, []byte("not sesame"), 0o700) },
		"real":    os.Symlink,
	} {
		dst := filepath.Join(dir, name+".exe")
		if err := linkOrCopyWith(symlink, src, dst); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, err := os.ReadFile(dst); err != nil || string(got) != "binary" {
			t.Errorf("%s: dst holds %q, %v; want a link to or copy of sesame", name, got, err)
		}
	}
}

func TestFinishDemoReportsALeftoverStore(t *testing.T) {
	var out bytes.Buffer
	err := finishDemo(&out, errors.New(`the sandbox's throw-away config and store in C:\tmp\x could not be removed (access denied); remove that folder yourself`))
	if err == nil || !strings.Contains(err.Error(), `C:\tmp\x`) || strings.Contains(out.String(), "gone") {
		t.Errorf("err = %v, out = %q; want the failure reported and no claim that the store is gone", err, out.String())
	}
	out.Reset()
	if err := finishDemo(&out, nil); err != nil || !strings.Contains(out.String(), "are gone") {
		t.Errorf("err = %v, out = %q", err, out.String())
	}
}

func TestRemoveTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "world")
	if err := os.MkdirAll(filepath.Join(dir, "home", "sesame", "sessions"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "home", "sesame", "sessions", "tdx.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeTree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", dir, err)
	}
}
