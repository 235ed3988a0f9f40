package fsretry

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// A sharing violation is retried on Windows (until it clears) and never
// elsewhere, where it cannot occur and the errno means something else.
func TestDoRetriesSharingViolations(t *testing.T) {
	for _, errno := range []syscall.Errno{5, 32} { // ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION
		calls := 0
		err := Do(func() error {
			calls++
			if calls < 4 {
				return &os.PathError{Op: "rename", Path: "x", Err: errno}
			}
			return nil
		})
		if runtime.GOOS == "windows" {
			if err != nil || calls != 4 {
				t.Errorf("errno %d: %v after %d calls; want success after 4", errno, err, calls)
			}
		} else if err == nil || calls != 1 {
			t.Errorf("errno %d: %v after %d calls; want the error at once", errno, err, calls)
		}
	}
	calls := 0
	notExist := Do(func() error { calls++; return os.ErrNotExist })
	if !errors.Is(notExist, os.ErrNotExist) || calls != 1 {
		t.Errorf("not-exist: %v after %d calls; want it at once", notExist, calls)
	}
	// robustio retries ERROR_FILE_NOT_FOUND (errno 2 on Windows, ENOENT
	// elsewhere); here a missing file is an answer, never a wait.
	calls = 0
	missing := Do(func() error { calls++; return &os.PathError{Op: "open", Path: "x", Err: syscall.Errno(2)} })
	if missing == nil || calls != 1 {
		t.Errorf("errno 2: %v after %d calls; want it at once", missing, calls)
	}
}

// The real thing: renaming over a file this process holds open. Windows
// refuses until it is closed; Rename succeeds once the reader lets go.
func TestRenameOverOpenFile(t *testing.T) {
	dir := t.TempDir()
	target, tmp := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.tmp")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	// The first attempt runs with the file open; the reader closes it
	// before the second, as another sesame finishing its read would.
	calls := 0
	err = Do(func() error {
		calls++
		if calls == 2 {
			f.Close()
		}
		return os.Rename(tmp, target)
	})
	f.Close()
	if err != nil {
		t.Fatalf("rename over a file that was open: %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("target holds %q, want new", got)
	}
	t.Logf("renamed after %d attempts", calls)
}

// A file read through Open can be removed meanwhile (a logout while
// another sesame reads): on Windows it is opened with FILE_SHARE_DELETE.
func TestRemoveWhileOpen(t *testing.T) {
	target := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(target); err != nil {
		t.Fatalf("remove a file open through Open: %v", err)
	}
	if got, err := io.ReadAll(f); err != nil || string(got) != "old" {
		t.Errorf("the open reader read %q, %v; want the old content", got, err)
	}
}
