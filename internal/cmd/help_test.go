package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpText keeps every command documented: its Short, Long and Example
// are what --help, the manual pages and the markdown reference show.
func TestHelpText(t *testing.T) {
	t.Parallel()
	root := newRootCmd(newApp())
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		// cobra's own completion commands document themselves.
		if c.Name() == "completion" || (c.HasParent() && c.Parent().Name() == "completion") || c.Name() == "help" {
			return
		}
		if strings.TrimSpace(c.Short) == "" || strings.TrimSpace(c.Long) == "" || strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: Short, Long and Example must all be set (have %q, %d bytes, %d bytes)", c.CommandPath(), c.Short, len(c.Long), len(c.Example))
		}
		for _, line := range strings.Split(c.Example, "\n") {
			if line != "" && !strings.HasPrefix(line, "  ") {
				t.Errorf("%s: example line %q: indent examples by two spaces, as cobra's help expects", c.CommandPath(), line)
			}
		}
	}
	walk(root)
}
