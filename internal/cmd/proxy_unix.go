//go:build !windows

package cmd

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// ownedByMe reports whether fi is this user's.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// notPrivateDir says why fi is not a folder only this user can enter and
// write ("" when it is).
func notPrivateDir(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "is a link"
	case !fi.IsDir():
		return "is not a folder"
	case !ownedByMe(fi):
		return "belongs to another user"
	case fi.Mode().Perm()&0o077 != 0:
		return "is open to others (mode " + fi.Mode().Perm().String() + ")"
	}
	return ""
}

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
