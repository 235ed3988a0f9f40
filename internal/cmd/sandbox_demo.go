package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

func newSandboxDemoCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Log in to the TDX fake, print the token and make an authenticated request",
		Long: `Start the fakes with a throw-away config and store, then run, as separate
sesame processes, what a script would: log in to the TeamDynamix fake with
the password on stdin, show the status, print the token and its header, and
call an authenticated endpoint. Each command is printed before it runs.`,
		Example: `  go run github.com/sesame-cli/sesame@latest sandbox demo
  sesame sandbox demo`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			w, err := startSandboxWorld()
			if err != nil {
				return err
			}
			stopped := false
			defer func() {
				if !stopped {
					w.stop()
				}
			}()
			var tdxURL string
			for _, s := range w.served {
				if s.Vendor.Name() == "tdx" {
					tdxURL = s.URL
				}
			}
			self, err := selfPath()
			if err != nil {
				return err
			}
			steps := []struct {
				args  []string
				stdin string
				shown string
			}{
				{[]string{"login", "tdx", "--url", tdxURL, "--username", sandbox.TDXUser, "--password-stdin"}, sandbox.TDXPassword,
					"printf '%s' '" + sandbox.TDXPassword + "' | sesame login tdx --url " + tdxURL + " --username " + sandbox.TDXUser + " --password-stdin"},
				{args: []string{"status"}},
				{args: []string{"token", "show"}},
				{args: []string{"token", "show", "--format", "header"}},
				{args: []string{"api", "/api/auth/getuser"}},
			}
			for _, st := range steps {
				shown := st.shown
				if shown == "" {
					shown = "sesame " + strings.Join(st.args, " ")
				}
				fmt.Fprintf(app.IO.Out, "\n$ %s\n", shown)
				var in *strings.Reader
				if st.stdin != "" {
					in = strings.NewReader(st.stdin)
				} else {
					in = strings.NewReader("")
				}
				if err := runChild(app, append([]string{self}, st.args...), w.env, in); err != nil {
					return fmt.Errorf("demo step %q failed: %w", shown, err)
				}
			}
			stopped = true
			return finishDemo(app.IO.Out, w.stop())
		},
	}
}

// finishDemo ends the demo with what stopping the sandbox did: only a
// store that was removed is said to be gone.
func finishDemo(out io.Writer, stopErr error) error {
	if stopErr != nil {
		return fmt.Errorf("the demo ran, but %w", stopErr)
	}
	fmt.Fprintf(out, "\nThe sandbox and its throw-away store are gone. Try it for real:\n  sesame login tdx --url https://ORG.teamdynamix.com --username YOU\n")
	return nil
}
