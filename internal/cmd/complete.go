package cmd

import (
	"io"
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

// bashFallback stands in for the one bash-completion function cobra's bash
// script calls, when that package is not installed (minimal containers,
// Git Bash, macOS's own bash): without it every <TAB> printed
// "_get_comp_words_by_ref: command not found". When bash-completion is
// there, its own function is used.
const bashFallback = `# sesame: a minimal _get_comp_words_by_ref when bash-completion is not installed.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
_get_comp_words_by_ref() {
    while [ $# -gt 0 ]; do
        case $1 in
        -n) shift ;;
        cur) cur=${COMP_WORDS[COMP_CWORD]} ;;
        prev) prev=${COMP_WORDS[COMP_CWORD-1]} ;;
        words) words=("${COMP_WORDS[@]}") ;;
        cword) cword=$COMP_CWORD ;;
        esac
        shift
    done
}
fi
`

// initCompletion adds cobra's completion command now (cobra would add it at
// Execute anyway) so that `completion bash` can be given the fallback above.
func initCompletion(root *cobra.Command, args []string) {
	root.InitDefaultCompletionCmd(args...)
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		for _, sh := range c.Commands() {
			if sh.Name() != "bash" || sh.RunE == nil {
				continue
			}
			gen := sh.RunE
			sh.RunE = func(cmd *cobra.Command, args []string) error {
				if _, err := io.WriteString(cmd.OutOrStdout(), bashFallback); err != nil {
					return err
				}
				return gen(cmd, args)
			}
		}
	}
}
