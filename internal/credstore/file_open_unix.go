//go:build unix

package credstore

import (
	"errors"
	"os"
	"syscall"
)

// openItem opens the item at p for reading as it is at that moment: a
// symbolic link is not followed and a FIFO does not block, and the caller
// checks what it opened (its own Stat), never what the path named a moment
// before. No other process's rename can come between a look and the open,
// so nothing needs to be retried.
func openItem(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil && (errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)) {
		// Linux and macOS say ELOOP for a link refused by O_NOFOLLOW,
		// FreeBSD EMLINK.
		return nil, errNotRegular
	}
	return f, err
}
