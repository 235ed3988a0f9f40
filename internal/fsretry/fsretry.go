// Package fsretry retries the file operations that Windows fails for a
// moment when another process has the file open: a rename over a file a
// reader holds, or an open of a file being replaced, answer
// ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION until the other side
// closes it. Like Go's own cmd/go/internal/robustio, it retries those for a
// bounded time and then returns the error. Elsewhere it adds nothing.
package fsretry

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/robustio"
)

// Timeout bounds the retrying. Another sesame holds a session or config
// file for the few milliseconds it takes to read it; two seconds is Go's
// own bound, and sesame doubles it because 16 processes under Wine on two
// shared cores can take that long to get through a queue of readers.
var Timeout = 4 * time.Second

// Do runs f until it returns nil or an error that is not a sharing
// violation, or until Timeout has passed, and returns f's last error.
func Do(f func() error) error {
	var start time.Time
	sleep := time.Millisecond
	for {
		err := f()
		if err == nil || !Ephemeral(err) {
			return err
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start)+sleep >= Timeout {
			return err
		}
		time.Sleep(sleep)
		if sleep < 100*time.Millisecond {
			sleep += time.Duration(rand.Int64N(int64(sleep)) + 1)
		}
	}
}

// Ephemeral reports whether err may go away by waiting: on Windows a
// sharing violation or an access denied (which a rename over an open file
// answers); never elsewhere. The list is go-internal's robustio (the
// errors cmd/go retries), less "file not found", which robustio also
// retries (on Windows and macOS) but which here means the file is not
// there: a missing session must not cost a wait.
//
// robustio's own Rename and ReadFile are not used: they give up after 2 s,
// which 16 sesames under Wine on two cores outlast, and its ReadFile opens
// without FILE_SHARE_DELETE, so a reader would still block a writer's
// rename (see Open); it has no Open, Lstat or Remove.
func Ephemeral(err error) bool {
	return robustio.IsEphemeralError(err) && !errors.Is(err, fs.ErrNotExist)
}

// Rename is os.Rename, retried while Windows says the target is in use.
func Rename(oldpath, newpath string) error {
	return Do(func() error { return os.Rename(oldpath, newpath) })
}

// Open opens name for reading, retried while Windows says the file is in
// use. On Windows the file is opened with FILE_SHARE_DELETE too, so that a
// writer can rename a new file over it while it is being read (os.Open
// does not share delete access, and a rename then fails until every
// reader has closed the file); elsewhere it is os.Open.
func Open(name string) (*os.File, error) {
	var f *os.File
	err := Do(func() (err error) {
		f, err = openShared(name)
		return err
	})
	return f, err
}

// Lstat is os.Lstat, retried while Windows says the file is in use.
func Lstat(name string) (os.FileInfo, error) {
	var fi os.FileInfo
	err := Do(func() (err error) {
		fi, err = os.Lstat(name)
		return err
	})
	return fi, err
}

// Remove is os.Remove, retried while Windows says the file is in use.
func Remove(name string) error {
	return Do(func() error { return os.Remove(name) })
}

// ReadFile is os.ReadFile through Open: retried, and sharing delete
// access on Windows.
func ReadFile(name string) ([]byte, error) {
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// WriteFile replaces path with data so that, whatever happens to the
// process (kill -9, power loss), path holds the old content or the new,
// whole: a temp file in the same folder (0600, named ".NAME.*.tmp"),
// fsynced, renamed over path (retried while Windows says another process
// reads the old file), then the folder fsynced, best effort (Windows cannot
// fsync a folder). The config file and the file store both write this way.
func WriteFile(path string, data []byte) error { return writeFile(path, data, true) }

// WriteCache replaces path with data like WriteFile, atomically (temp file
// and rename), but without the fsyncs: for a cache, whose loss or a crash
// that leaves it empty costs one read from where it came from. Never for
// anything that exists only in this file.
func WriteCache(path string, data []byte) error { return writeFile(path, data, false) }

func writeFile(path string, data []byte, durable bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// Without the fsync a crash after the rename can leave an empty file
	// under the final name (golang.org/issue/22397).
	if durable {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = Rename(tmp, path); err != nil {
		return err
	}
	if !durable {
		return nil
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
