package cmd

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/shellenv"
)

type execOptions struct {
	Profile string
	Redact  bool
	NoRenew bool
	Command []string
}

const execArgsHint = "name the command to run, after --: sesame exec tdx -- ./job.sh"

// newExecCmd builds `exec`; a test's runF gets the options instead of a run.
func newExecCmd(app *App, runF func(*execOptions) error) *cobra.Command {
	opts := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec [PROFILE] [--redact] -- CMD [ARGS…]",
		Short: "Run a command with the session in its environment",
		Long: `Run CMD with the same variables 'sesame env' prints added to its environment
(renewing the session first if it has expired), forward signals to it, and
exit with its exit code. With --redact, every secret value in CMD's stdout
and stderr is replaced by *** as it streams: raw, JSON- or URL-escaped or
base64-encoded, each line of a multi-line secret, and a secret shorter than
4 bytes where it stands as a word of its own.`,
		Example: `  sesame exec tdx -- ./nightly-sync.sh
  sesame exec ams --redact -- python report.py
  sesame exec -- sh -c 'curl -sS -H "$TDX_AUTH_HEADER" "$TDX_BASE_URL/api/auth/getuser"'`,
		Args:              cobra.MinimumNArgs(1),
		Annotations:       map[string]string{argsAnnotation: execArgsHint},
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch dash := cmd.ArgsLenAtDash(); {
			case dash == 0:
				opts.Command = args
			case dash == 1:
				opts.Profile, opts.Command = args[0], args[1:]
			case dash > 1:
				return argsErr(cmd, "takes at most one PROFILE before --")
			case app.Profile != "": // sesame -p tdx exec printenv X: no PROFILE argument
				opts.Command = args
			default: // no --: aws-vault style, PROFILE CMD…
				if len(args) < 2 {
					return argsErr(cmd, "name the command")
				}
				opts.Profile, opts.Command = args[0], args[1:]
			}
			if len(opts.Command) == 0 {
				return argsErr(cmd, "name the command")
			}
			if runF != nil {
				return runF(opts)
			}
			return runExec(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Redact, "redact", false, "replace secret values in the command's output with ***")
	cmd.Flags().BoolVar(&opts.NoRenew, "no-renew", false, "fail (exit 4) instead of renewing an expired session")
	return cmd
}

func runExec(ctx context.Context, app *App, opts *execOptions) error {
	l, err := app.session(ctx, opts.Profile, session.GetOptions{NoRenew: opts.NoRenew})
	if err != nil {
		return err
	}
	vars, err := sessionVars(l, "")
	if err != nil {
		return err
	}
	// The child (and any sesame it runs) acts on this profile; env does
	// not export this into the caller's shell.
	vars = append(vars, shellenv.Var{Name: "SESAME_PROFILE", Value: l.Profile.Name})
	set := make([]string, 0, len(vars))
	var secrets []string
	for _, v := range vars {
		set = append(set, v.Name+"="+v.Value)
		if v.Secret {
			secrets = append(secrets, v.Value)
		}
	}
	env := nestEnv(os.Environ(), set...)
	if !opts.Redact {
		return runChild(app, opts.Command, env, nil)
	}
	// Every form of every secret, each line of a multi-line one, short ones
	// as words: the rules are redact's (its package comment).
	red := redact.New(secrets...)
	out := redact.NewWriter(app.IO.Out, red)
	errw := redact.NewWriter(app.IO.ErrOut, red)
	orig := *app.IO
	app.IO.Out, app.IO.ErrOut = out, errw
	err = runChild(app, opts.Command, env, nil)
	*app.IO = orig
	out.Flush()
	errw.Flush()
	return err
}
