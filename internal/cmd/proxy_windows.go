package cmd

import (
	"io/fs"
	"os"
)

// ownedByMe: Windows guards files by ACL, not by an owner id sesame reads;
// the folder's ACL is the user's to set.
func ownedByMe(fs.FileInfo) bool { return true }

// notPrivateDir accepts any folder but a link (see ownedByMe).
func notPrivateDir(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "is a link"
	case !fi.IsDir():
		return "is not a folder"
	}
	return ""
}

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
