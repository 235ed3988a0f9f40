package cmd

import (
	"strings"

	"github.com/spf13/cobra"
)

// completeProfiles completes a PROFILE argument with the configured names.
func completeProfiles(app *App) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := app.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range c.Names() {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n+"\t"+c.Profiles[n].Provider+" "+c.Profiles[n].URL)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
