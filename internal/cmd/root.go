// Package cmd is sesame's command line: one file per command, holding its
// flags, arguments and output. Commands reach a credential only through
// the session Service that App builds (Live, Login, Logout, Status, Proxy
// and the fleet's few calls) and never hold its manager, a provider, a
// credential store or the transport: they import none of those packages
// (docs/layout.md). An authenticated request goes through the
// authproxy.Proxy that Service.Proxy builds. `login <provider>` is built
// from the session.LoginCommand of each provider, so no command names a
// vendor.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/redact"
)

// Main runs sesame with the process's arguments and returns its exit code.
func Main() int {
	return run(newApp(), os.Args[1:])
}

// ExecuteAt runs sesame with its clock replaced: now tells the time and
// sleep waits (a rate limit's reset, a retry's backoff). sesame's own tests
// use it to move time forward without sleeping. The release binary never
// calls it.
func ExecuteAt(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) int {
	app := newApp()
	app.Now, app.Sleep = now, sleep
	return run(app, os.Args[1:])
}

// NewApp is the App of a real run: the process's streams, clock and
// environment. Tests change its fields (IO, Getenv, Now, Providers) before
// building a tree with NewRootCmd.
func NewApp() *App { return newApp() }

// NewRootCmd builds the command tree for app: `login` has a subcommand for
// each of app's providers, built from its Info.
func NewRootCmd(app *App) *cobra.Command { return newRootCmd(app) }

func run(app *App, args []string) int {
	root, whole := newRootCmdFor(app, args)
	return runTree(app, root, whole, args)
}

// runTree runs args on root, the whole tree or the one command they name
// (newRootCmdFor).
func runTree(app *App, root *cobra.Command, whole bool, args []string) int {
	ctx, stop := interruptContext(root, args) // lazily armed for token show: interrupt.go
	defer stop()
	// `sesame [flags] curl …`: everything after curl is curl's.
	if curlArgs, ok, err := splitCurl(app, root, args); ok {
		if err == nil {
			err = runCurl(ctx, app, curlArgs)
		}
		if err != nil && ctx.Err() != nil {
			err = clierr.Interrupt(err)
		}
		return exitCode(app, err)
	}
	if err := unknownSubcommand(root, args); err != nil {
		return exitCode(app, err)
	}
	root.SetArgs(args)
	root.SetIn(app.IO.In)
	root.SetOut(app.IO.Out)
	root.SetErr(app.IO.ErrOut)
	if whole {
		// After SetOut: cobra's completion command keeps the writer it
		// is built with.
		initCompletion(root, args)
	} else {
		// The tree holds one command, which is not `completion`.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	err := root.ExecuteContext(ctx)
	if err == nil {
		app.flushStoreNotice("")
	}
	if err != nil && ctx.Err() != nil {
		// Ctrl-C ended the command, whatever the error says: exit 130.
		err = clierr.Interrupt(err)
	}
	return exitCode(app, err)
}

// exitCode reports err on stderr and returns the exit code it carries.
func exitCode(app *App, err error) int {
	if err == nil {
		return 0
	}
	var pass *passThrough
	if errors.As(err, &pass) {
		return pass.code
	}
	code := clierr.Code(err)
	if code == clierr.Unexpected && isUsageError(err) {
		code = clierr.Usage
	}
	msg := app.scrub(err.Error())
	if code == clierr.Interrupted && !strings.Contains(msg, "interrupted") {
		// A layer that only saw its context end (a Redis call, a wait)
		// says "context canceled": the user sent Ctrl-C or SIGTERM.
		if msg == context.Canceled.Error() {
			msg = "interrupted"
		} else {
			msg = "interrupted: " + msg
		}
	}
	if !strings.HasPrefix(msg, "sesame ") {
		// "sesame exec: name the command…" names itself already.
		msg = "sesame: " + msg
	}
	fmt.Fprintln(app.IO.ErrOut, msg)
	return code
}

// scrub makes an error message safe to print: no form of a secret this
// run handled (the backstop behind each provider's own care), and no
// control character from vendor text that could act on the terminal.
func (a *App) scrub(msg string) string {
	if a.svc != nil {
		msg = a.svc.Scrub(msg)
	}
	return redact.Text(msg)
}

// unknownSubcommand refuses a word that names no subcommand of a command
// that only groups others (`sesame token shw`). Cobra would print the
// group's help on stdout and exit 0, and `$(sesame token shw)` would then
// hand the help text to a script as a token. The root gets this from cobra
// already; nested groups get it here.
func unknownSubcommand(root *cobra.Command, args []string) error {
	c, rest, err := root.Find(args)
	if err != nil || c == root || c.Runnable() || !c.HasSubCommands() {
		return nil
	}
	if err := c.ParseFlags(rest); err != nil {
		return nil // cobra reports flag errors itself
	}
	pos := c.Flags().Args()
	if len(pos) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", pos[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only on the root
	}
	if s := c.SuggestionsFor(pos[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return clierr.New(clierr.Usage, "%s\nRun '%s --help' for usage.", msg, c.CommandPath())
}

// passThrough carries a child process's exit code (curl, exec) unchanged.
type passThrough struct{ code int }

func (p *passThrough) Error() string { return fmt.Sprintf("exit status %d", p.code) }

// isUsageError recognises cobra's own argument and flag errors.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown flag", "unknown shorthand", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "required flag", "if any flags in the group"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// newRootCmd builds the whole tree: every command, for help, completion,
// suggestions, the docs generator and the tests.
func newRootCmd(app *App) *cobra.Command { return wholeTree(app, newRootBase(app)) }

// wholeTree adds every command to root, a newRootBase.
func wholeTree(app *App, root *cobra.Command) *cobra.Command {
	// --version belongs to the root alone, so only the whole tree needs
	// the build information it reads.
	root.Version = versionDetail()
	for _, c := range topCommands {
		root.AddCommand(c.build(app))
	}
	if docs := newDocsCmd(app); docs != nil {
		root.AddCommand(docs)
	}
	root.SetHelpCommand(newHelpCmd(app))
	teachArgs(root)
	return root
}

// topCommand is a top-level command and how to build it.
type topCommand struct {
	name  string // the first word of its Use; none has an alias
	build func(*App) *cobra.Command
}

// topCommands are the commands under the root, in help order. help, docs
// and cobra's completion are not here: they read the whole tree.
var topCommands = []topCommand{
	{"login", newLoginCmd},
	{"logout", newLogoutCmd},
	{"status", newStatusCmd},
	{"token", newTokenCmd},
	{"version", newVersionCmd},
	{"sandbox", newSandboxCmd},
	{"api", newAPICmd},
	{"curl", newCurlCmd},
	{"proxy", newProxyCmd},
	{"env", func(app *App) *cobra.Command { return newEnvCmd(app, nil) }},
	{"exec", func(app *App) *cobra.Command { return newExecCmd(app, nil) }},
	{"doctor", newDoctorCmd},
	{"profile", newProfileCmd},
	{"fleet", newFleetCmd},
}

// newRootCmdFor builds the tree a run with args needs. When args name a
// top-level command (`sesame token show`, `sesame -p tdx env`), the root
// gets that one command and nothing else: building all of them, login's
// per-provider subcommands included, was a fifth of a cached `token show`.
// Anything else (no command, help, completion, a typo to suggest for, a
// flag the root does not know) gets the whole tree; whole says which.
func newRootCmdFor(app *App, args []string) (root *cobra.Command, whole bool) {
	root = newRootBase(app)
	word := commandWord(root, args)
	for _, c := range topCommands {
		if c.name == word {
			// No help command either: `sesame help …` builds the
			// whole tree.
			root.AddCommand(c.build(app))
			teachArgs(root)
			return root, false
		}
	}
	return wholeTree(app, root), true
}

// commandWord is the first argument that is not one of the root's flags
// or a flag's value: the top-level command cobra will run. It is "" when
// a flag the root does not know comes first (its value could be taken for
// a command) or when there is no word before "--".
func commandWord(root *cobra.Command, args []string) string {
	pf := root.PersistentFlags()
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			f := pf.Lookup(name)
			if f == nil {
				return ""
			}
			if !hasValue && f.NoOptDefVal == "" {
				i++ // --profile tdx
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// One shorthand, maybe with its value joined (-ptdx) or
			// after it (-p tdx); a group of them is left to cobra.
			if len(a) != 2 {
				if f := pf.ShorthandLookup(a[1:2]); f == nil || f.NoOptDefVal != "" {
					return ""
				}
				continue
			}
			f := pf.ShorthandLookup(a[1:])
			if f == nil {
				return ""
			}
			if f.NoOptDefVal == "" {
				i++
			}
		default:
			return a
		}
	}
	return ""
}

// newRootBase is the root command with its persistent flags and no
// subcommands.
func newRootBase(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "sesame",
		Short: "Log in to AMS, YourMembership and TeamDynamix once; hand the session to scripts",
		Long: `sesame logs in to Teamworks AMS, YourMembership and TeamDynamix, keeps the
session (and, unless told not to, the secret that renews it) in the OS keychain,
renews it when it expires, and hands it to whatever needs it: token show, env,
exec and curl.

More help: sesame help environment (the SESAME_* variables), sesame help
exit-codes, sesame help config (the config file's keys).`,
		Example: `  sesame login tdx --url https://myschool.teamdynamix.com --username alice
  sesame token show | xargs -I{} echo got {}
  sesame curl /api/auth/getuser
  sesame sandbox demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&app.Profile, "profile", "p", "", "profile to act on (default: $SESAME_PROFILE, else the only profile)")
	pf.StringVar(&app.ConfigPath, "config", "", "config file (default: $SESAME_CONFIG, else the OS config folder)")
	pf.StringVar(&app.StoreKind, "store", "", "credential store: auto, keyring or file (default: $SESAME_STORE, else the profile's)")
	pf.DurationVar(&app.Timeout, "timeout", app.Timeout, "timeout of each HTTP request")
	pf.StringVar(&app.CAFile, "cacert", "", "extra CA bundle (PEM) to trust (default: $SESAME_CA_FILE)")
	pf.BoolVar(&app.Debug, "debug", false, "log each HTTP exchange to stderr, secrets replaced by ***")
	app.Changed = func(name string) bool { return pf.Changed(name) }
	_ = root.RegisterFlagCompletionFunc("profile", func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return completeProfiles(app)(c, nil, prefix)
	})
	_ = root.RegisterFlagCompletionFunc("store", cobra.FixedCompletions([]string{"auto", "keyring", "file"}, cobra.ShellCompDirectiveNoFileComp))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		//lint:ignore ST1005 the message is shown to people as written, a sentence then gh's usage hint on a line of its own
		return clierr.Wrap(clierr.Usage, fmt.Errorf("%w\nRun '%s --help' for usage.", teachFlagError(c, err), c.CommandPath()))
	})

	return root
}
