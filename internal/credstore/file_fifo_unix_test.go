//go:build unix

package credstore

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// A FIFO where an item should be is refused at once: opening it for
// reading would otherwise wait for a writer that never comes.
func TestFileRefusesFIFO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "p.json"), 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	_, err := NewFile(dir, nil).Get("p")
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Get of a FIFO: err = %v", err)
	}
}
