//go:build !unix

package credstore

import (
	"os"

	"github.com/sesame-cli/sesame/internal/fsretry"
)

// openItem opens the item at p for reading. Windows has no O_NOFOLLOW:
// the path is looked at first (no link, nothing but a regular file), then
// opened, and the two must be the same file, else errReplaced (another
// sesame renamed a new item into place in between). fsretry: a rename in
// progress or a reader holding the file answers "access denied" for a
// moment; wait it out (bounded).
func openItem(p string) (*os.File, error) {
	before, err := fsretry.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := fsretry.Open(p)
	if err != nil {
		return nil, err
	}
	after, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !os.SameFile(before, after) {
		f.Close()
		return nil, errReplaced
	}
	return f, nil
}
