package credstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/fsretry"
)

// File store layout and modes (SPEC §4): DIR/<profile>.json, 0600, in a
// 0700 DIR. The item is written verbatim; sesame's sessions are JSON, hence
// the extension, but the store itself never parses it.
const (
	fileMode = 0o600
	dirMode  = 0o700
	fileExt  = ".json"

	// staleTemp is how old a leftover temp file must be before Set removes
	// it: a write takes milliseconds, so an older one belongs to a writer
	// that was killed. Delete removes them all regardless of age.
	staleTemp = time.Minute
)

// fileStore keeps one file per profile. It is the fallback when no OS
// keychain answers, so it must be as safe as a file can be: owner-only
// modes, atomic replacement, and no stray copies after Delete.
type fileStore struct {
	dir  string
	warn io.Writer
	// modes is false on Windows, where Go reports synthetic permission
	// bits (0666/0444) and access is governed by the profile folder's ACL.
	modes bool
}

// NewFile returns a Store that keeps each profile in dir/<profile>.json.
// It touches the disk only when used: dir is created (0700) on the first
// Set. Permission problems found on the way are fixed, never ignored, and
// reported as one line each on warn (nil means discard).
func NewFile(dir string, warn io.Writer) Store {
	if warn == nil {
		warn = io.Discard
	}
	return &fileStore{dir: dir, warn: warn, modes: runtime.GOOS != "windows"}
}

var _ Store = (*fileStore)(nil)

func (s *fileStore) Name() string { return KindFile }

// fileName maps a profile to its file name. Profile names are validated
// upstream (^[a-z0-9][a-z0-9._-]*$); this repeats the part that matters
// here so that no name can ever address a file outside dir or a temp file.
func fileName(profile string) (string, error) {
	if profile == "" || profile == "." || profile == ".." || strings.HasPrefix(profile, ".") ||
		strings.ContainsAny(profile, `/\:`+"\x00") || strings.ContainsRune(profile, filepath.Separator) {
		return "", clierr.New(clierr.Store, "file store: refusing profile name %q: it could name a path outside the sessions folder", profile)
	}
	return profile + fileExt, nil
}

func (s *fileStore) Get(profile string) ([]byte, error) {
	name, err := fileName(profile)
	if err != nil {
		return nil, err
	}
	p := filepath.Join(s.dir, name)
	// Another sesame's atomic write (a renewal, a login) can rename a new
	// item into place while we open ours. That item is whole: where the
	// open cannot be checked against the path (openItem), look again
	// rather than fail, up to readAttempts times (the keychain store's
	// bound), so that when 64 processes renew one session every one of
	// them gets it.
	for attempt := 1; ; attempt++ {
		data, replaced, err := s.read(p)
		if !replaced || attempt == readAttempts {
			return data, err
		}
	}
}

// errNotRegular and errReplaced are what openItem says of a path that is
// not a regular file, or that was replaced while it was being opened.
var (
	errNotRegular = errors.New("not a regular file")
	errReplaced   = errors.New("replaced while being opened")
)

// read reads the item at p; replaced reports (with an error) that the file
// opened was not the one examined.
func (s *fileStore) read(p string) (data []byte, replaced bool, err error) {
	// Never a symlink or a file swapped in: we would chmod or read
	// something else (openItem, per platform).
	f, err := openItem(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, ErrNotFound // or deleted as we looked: a logout won the race
	case errors.Is(err, errReplaced):
		return nil, true, clierr.New(clierr.Store, "file store: %s was replaced while being opened; run the command again", p)
	case errors.Is(err, errNotRegular):
		return nil, false, notRegular(p)
	case err != nil:
		return nil, false, s.fail("read", p, err)
	}
	defer f.Close()
	after, err := f.Stat()
	if err != nil {
		return nil, false, s.fail("read", p, err)
	}
	if !after.Mode().IsRegular() {
		return nil, false, notRegular(p)
	}
	if err := s.tighten(p, after.Mode().Perm(), fileMode, f.Chmod); err != nil {
		return nil, false, err
	}
	if err := s.tightenDir(); err != nil {
		return nil, false, err
	}
	data, err = io.ReadAll(f)
	if err != nil {
		return nil, false, s.fail("read", p, err)
	}
	return data, false, nil
}

// notRegular says that the item at p is not a regular file.
func notRegular(p string) error {
	kind := "something else"
	if fi, err := os.Lstat(p); err == nil {
		kind = fi.Mode().Type().String()
	}
	return clierr.New(clierr.Store, "file store: %s is not a regular file (%s); remove it and log in again", p, kind)
}

func (s *fileStore) Set(profile string, data []byte) error {
	return s.set(profile, data, fsretry.WriteFile)
}

// SetCache is Set without the fsyncs (CacheSetter).
func (s *fileStore) SetCache(profile string, data []byte) error {
	return s.set(profile, data, fsretry.WriteCache)
}

func (s *fileStore) set(profile string, data []byte, write func(string, []byte) error) error {
	name, err := fileName(profile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return clierr.New(clierr.Store, "file store: cannot create %s: %v; create it yourself (mode 0700) or point --config elsewhere", s.dir, err)
	}
	if err := s.tightenDir(); err != nil {
		return err
	}
	p := filepath.Join(s.dir, name)
	if err := write(filepath.Join(s.dir, name), data); err != nil {
		return s.fail("write", p, err)
	}
	s.removeTemps(name, staleTemp)
	return nil
}

func (s *fileStore) Delete(profile string) error {
	name, err := fileName(profile)
	if err != nil {
		return err
	}
	p := filepath.Join(s.dir, name)
	if err := fsretry.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("remove", p, err)
	}
	// A temp file left by a killed writer holds a copy of the secret too;
	// logging out must not leave it behind.
	s.removeTemps(name, 0)
	return nil
}

// fail wraps a file-system error with the path and the usual remedy.
func (s *fileStore) fail(op, path string, err error) error {
	return clierr.New(clierr.Store, "file store: cannot %s %s: %v; check that you own %s and what is in it, or choose another store with --store",
		op, path, cause(err), s.dir)
}

// cause drops the *PathError layer, whose text repeats the path we print.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// tightenDir makes the sessions folder 0700 if it is wider, with a warning.
func (s *fileStore) tightenDir() error {
	if !s.modes {
		return nil
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return s.fail("inspect", s.dir, err)
	}
	if !fi.IsDir() {
		return clierr.New(clierr.Store, "file store: %s is not a folder; move it away so sesame can keep sessions there", s.dir)
	}
	return s.tighten(s.dir, fi.Mode().Perm(), dirMode, func(m fs.FileMode) error { return os.Chmod(s.dir, m) })
}

// tighten sets mode want on path when its mode has any bit beyond want.
// It never refuses silently: either the mode is fixed and a warning says
// so, or the error says which command fixes it.
func (s *fileStore) tighten(path string, have, want fs.FileMode, chmod func(fs.FileMode) error) error {
	if !s.modes || have&^want == 0 {
		return nil
	}
	if err := chmod(want); err != nil {
		return clierr.New(clierr.Store, "file store: %s has mode %#o, wider than %#o, and sesame could not change it (%v); run: chmod %o %s",
			path, have, want, cause(err), want, path)
	}
	fmt.Fprintf(s.warn, "sesame: warning: %s had mode %#o, wider than %#o; changed it to %#o\n", path, have, want, want)
	return nil
}

// removeTemps deletes name's leftover temp files older than age (all of
// them when age is 0). Errors are ignored: this is housekeeping, and the
// files are 0600 in a 0700 folder.
func (s *fileStore) removeTemps(name string, age time.Duration) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isTempOf(e.Name(), name) {
			continue
		}
		if age > 0 {
			fi, err := e.Info()
			if err != nil || time.Since(fi.ModTime()) < age {
				continue
			}
		}
		os.Remove(filepath.Join(s.dir, e.Name()))
	}
}

// isTempOf reports whether file is a writeAtomic temp file of name:
// "." + name + "." + digits + ".tmp". Requiring digits keeps profile "a"
// from claiming the temp files of profile "a.json" (".a.json.json.1.tmp").
func isTempOf(file, name string) bool {
	rest, ok := strings.CutPrefix(file, "."+name+".")
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, ".tmp")
	if !ok || digits == "" {
		return false
	}
	return strings.Trim(digits, "0123456789") == ""
}
