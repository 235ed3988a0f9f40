package credstore

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
}

func TestFileLayoutAndModes(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "sesame", "sessions")
	var warn bytes.Buffer
	s := NewFile(dir, &warn)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("NewFile touched the disk: %v", err)
	}
	if err := s.Set("tdx", []byte(`{"token":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("folder mode %#o, want 0700", m)
	}
	if m := mode(t, filepath.Join(dir, "tdx.json")); m != 0o600 {
		t.Errorf("file mode %#o, want 0600", m)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only tdx.json", len(entries))
	}
	if warn.Len() != 0 {
		t.Errorf("unexpected warning: %q", warn.String())
	}
}

// Wider modes are fixed and reported in one line each, never refused.
func TestFileTightensModes(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	for _, tc := range []struct {
		name             string
		dirMode, fileMod fs.FileMode
		warnings         int
	}{
		{"file world readable", 0o700, 0o644, 1},
		{"file executable", 0o700, 0o700, 1},
		{"folder group readable", 0o750, 0o600, 1},
		{"both", 0o755, 0o666, 2},
		{"already tight", 0o700, 0o600, 0},
		{"tighter than needed", 0o700, 0o400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "sessions")
			p := filepath.Join(dir, "ams.json")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("v"), 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, tc.fileMod)
			os.Chmod(dir, tc.dirMode)
			var warn bytes.Buffer
			got, err := NewFile(dir, &warn).Get("ams")
			if err != nil || string(got) != "v" {
				t.Fatalf("Get = %q, %v", got, err)
			}
			lines := strings.Count(warn.String(), "\n")
			if lines != tc.warnings || (lines > 0 && !strings.Contains(warn.String(), "changed it to")) {
				t.Errorf("warnings %q, want %d one-line warnings", warn.String(), tc.warnings)
			}
			if m := mode(t, p); m&^0o600 != 0 {
				t.Errorf("file mode left at %#o", m)
			}
			if m := mode(t, dir); m&^0o700 != 0 {
				t.Errorf("folder mode left at %#o", m)
			}
		})
	}
}

func TestFileRefusesPathNames(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "sessions")
	s := NewFile(dir, nil)
	for _, p := range []string{"", ".", "..", "../x", "a/b", `a\b`, "/etc/passwd", ".hidden", "c:x", "nul\x00"} {
		for op, call := range map[string]func() error{
			"Set":    func() error { return s.Set(p, []byte("x")) },
			"Get":    func() error { _, err := s.Get(p); return err },
			"Delete": func() error { return s.Delete(p) },
		} {
			err := call()
			if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "refusing profile name") {
				t.Errorf("%s(%q): err = %v, want a refusal with exit 6", op, p, err)
			}
		}
	}
	// Nothing was written anywhere.
	entries, _ := os.ReadDir(root)
	if len(entries) != 0 {
		t.Errorf("refused names still wrote %v", entries)
	}
}

func TestFileRefusesSymlink(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, []byte("x"), 0o644)
	if err := os.Symlink(target, filepath.Join(dir, "p.json")); err != nil {
		t.Fatal(err)
	}
	_, err := NewFile(dir, nil).Get("p")
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Get through a symlink: err = %v", err)
	}
	if m := mode(t, target); m != 0o644 {
		t.Errorf("the symlink's target was chmodded to %#o", m)
	}
}

func TestFileErrorsNamePathAndExit6(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	root := t.TempDir()
	blocker := filepath.Join(root, "sessions")
	os.WriteFile(blocker, nil, 0o600) // a file where the folder should be
	err := NewFile(blocker, nil).Set("p", []byte("x"))
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("Set into a file: err = %v (code %d), want exit 6 naming %s", err, clierr.Code(err), blocker)
	}
}

// Delete removes leftover temp files too: they hold copies of the secret.
// Set removes only stale ones, and never another profile's.
func TestFileTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := NewFile(dir, nil)
	old := time.Now().Add(-time.Hour)
	for _, name := range []string{".a.json.123.tmp", ".a.json.456.tmp", ".a.json.json.789.tmp"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("partial"), 0o600)
		os.Chtimes(p, old, old)
	}
	fresh := filepath.Join(dir, ".a.json.999.tmp")
	os.WriteFile(fresh, []byte("in progress"), 0o600)

	if err := s.Set("a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	assertDir(t, dir, "a.json", ".a.json.999.tmp", ".a.json.json.789.tmp")
	if err := s.Delete("a"); err != nil {
		t.Fatal(err)
	}
	assertDir(t, dir, ".a.json.json.789.tmp")
}

func assertDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(sorted(want), " ") {
		t.Errorf("folder holds %q, want %q", got, sorted(want))
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// A writer killed with SIGKILL at any moment leaves the previous value
// whole under the profile's name, and any partial copy owner-only.
// The writer is this test binary re-run as a child that Sets two 1 MiB
// values in turn, announcing each on stdout; the parent kills it mid-way.
func TestFileKillMidWrite(t *testing.T) {
	if dir := os.Getenv("SESAME_CREDSTORE_WRITER"); dir != "" {
		killWriterChild(dir)
		return
	}
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns writer processes")
	}
	a, b := bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20)
	dir := t.TempDir()
	s := NewFile(dir, nil)
	if err := s.Set("p", a); err != nil {
		t.Fatal(err)
	}
	partials := map[string]bool{}
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFileKillMidWrite$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SESAME_CREDSTORE_WRITER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a varying number of completed writes, so the kill
		// lands at different points of the next one.
		lines := bufio.NewScanner(out)
		for i := 0; i < 2+round && lines.Scan(); i++ {
		}
		cmd.Process.Kill()
		cmd.Wait()

		got, err := s.Get("p")
		if err != nil {
			t.Fatalf("round %d: Get after kill: %v", round, err)
		}
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("round %d: Get after kill returned %d bytes that are neither value", round, len(got))
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() == "p.json" {
				continue
			}
			partials[e.Name()] = true
			if !isTempOf(e.Name(), "p.json") {
				t.Errorf("round %d: unexpected file %s", round, e.Name())
			}
			if fi, _ := e.Info(); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Errorf("round %d: partial file %s has mode %#o, want 0600", round, e.Name(), fi.Mode().Perm())
			}
		}
	}
	t.Logf("killed writers left %d partial temp files (the kill landed mid-write)", len(partials))
	if err := s.Delete("p"); err != nil {
		t.Fatal(err)
	}
	assertDir(t, dir)
}

func killWriterChild(dir string) {
	s := NewFile(dir, nil)
	a, b := bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20)
	// Bounded, and a write to a closed stdout kills it (SIGPIPE), so an
	// orphaned child cannot write forever.
	for i := range 1000 {
		v := a
		if i%2 == 1 {
			v = b
		}
		if err := s.Set("p", v); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("wrote\n")
	}
	os.Exit(0)
}
