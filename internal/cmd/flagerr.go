package cmd

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// isSecretFlag reports the flags users reach for out of habit (curl -u, mysql
// -p…): sesame takes no secret on its command line, where every user of
// the machine can read it, so the answer says how a secret is given.
// (a switch, not a map: nothing is built at start-up).
func isSecretFlag(name string) bool {
	switch name {
	case "password", "key", "secret", "token":
		return true
	}
	return false
}

// The patterns are compiled on first use, not at start-up: token show,
// run in loops, never meets a flag error.
var (
	unknownFlag = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^unknown (?:shorthand )?flag: (?:'(.)' in -\S*|--?([^=\s]+))`)
	})
	secretSwitch = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`invalid argument ".*" for "--(token|password|key|secret)"`)
	})
)

// teachFlagError turns cobra's bare flag errors into ones that say what to
// do: how secrets are given, the flag that was probably meant, and `--`
// before a command whose own flags sesame would otherwise parse.
func teachFlagError(c *cobra.Command, err error) error {
	msg := err.Error()
	m := unknownFlag().FindStringSubmatch(msg)
	name := ""
	if m != nil {
		name = m[2]
	}
	// `--token abc` on YM login is a switch given a value; `--password x`
	// an unknown flag: both mean the user tried to pass a secret.
	if isSecretFlag(name) || isSecretValue(c, msg) {
		what := name
		if what == "" {
			what = "secret"
		}
		return fmt.Errorf("%w\nsesame takes no %s on its command line (other users of this machine can read it there). Give it:\n"+
			"  - at the prompt: run in a terminal and type it (nothing is echoed)\n"+
			"  - on stdin: printf '%%s' \"$SECRET\" | %s --%s-stdin …\n"+
			"  - in the environment: SESAME_PASSWORD (or SESAME_SECRET)", err, what, loginPath(c), stdinName(what))
	}
	if (c.Name() == "exec" || c.Name() == "curl") && m != nil {
		return fmt.Errorf("%w\nput -- before the command so its flags are its own: sesame exec [PROFILE] -- CMD [ARGS…]", err)
	}
	if name != "" {
		if s := suggestFlag(c, name); s != "" {
			return fmt.Errorf("%w\nDid you mean --%s?", err, s)
		}
	}
	return err
}

// loginPath is the login command the stdin flag belongs to.
func loginPath(c *cobra.Command) string {
	if c.HasParent() && c.Parent().Name() == "login" {
		return c.CommandPath()
	}
	return "sesame login PROVIDER"
}

func stdinName(what string) string {
	if what == "token" || what == "key" || what == "password" {
		return what
	}
	return "secret"
}

func isSecretValue(_ *cobra.Command, msg string) bool { return secretSwitch().MatchString(msg) }

// suggestFlag finds the defined flag closest to name, as cobra's "did you
// mean" does for commands (Levenshtein distance ≤ 2, or a prefix).
func suggestFlag(c *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(strings.ToLower(name), f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = 1
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	return best
}

// editDistance is the Levenshtein distance, from agnivade/levenshtein (a
// small, rune-aware library with no dependencies of its own) rather than
// one more hand-written copy.
func editDistance(a, b string) int { return levenshtein.ComputeDistance(a, b) }

func clierrCoded(err error) bool {
	var e *clierr.Error
	return errors.As(err, &e)
}

// argsAnnotation holds, on a command, the sentence its missing or extra
// arguments get ("name the command to run, after --: …"); without one the
// sentence is built from its Use line.
const argsAnnotation = "sesame-args"

// teachArgs wraps the argument check of c and of every command below it,
// so that cobra's "requires at least 1 arg(s)" or "accepts at most 1
// arg(s), received 2" become a sentence that says what is missing or extra
// and shows the usage line (exit 2).
func teachArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		teachArgs(sub)
	}
	check := c.Args
	if check == nil || c.HasSubCommands() {
		return // groups: unknownSubcommand speaks for them
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			if clierrCoded(err) {
				return err
			}
			return argsErr(cmd, argsProblem(cmd, args))
		}
		return nil
	}
}

// argsErr is a usage error about cmd's arguments, with its usage line.
func argsErr(cmd *cobra.Command, problem string) error {
	if hint := cmd.Annotations[argsAnnotation]; hint != "" && strings.HasPrefix(problem, "name the") {
		problem = hint
	}
	return usageErr("%s: %s\nUsage: %s", cmd.CommandPath(), problem, cmd.UseLine())
}

// argsProblem says in words what is wrong with args for cmd, from the
// argument names of its Use line (PATH, NAME, [PROFILE], …).
func argsProblem(cmd *cobra.Command, args []string) string {
	var required, optional []string
	words := strings.Fields(cmd.Use)[1:]
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case strings.HasPrefix(w, "("): // a choice of flags: (--a X | --b Y)
			for i < len(words) && !strings.HasSuffix(words[i], ")") {
				i++
			}
			continue
		case strings.HasPrefix(w, "[-"): // an optional flag: [--api v1|v2]
			for i < len(words) && !strings.HasSuffix(words[i], "]") {
				i++
			}
			continue
		case w == "--":
			continue
		case strings.HasPrefix(w, "-"): // a flag and its value: --url URL
			if i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") && !strings.HasPrefix(words[i+1], "[") {
				i++
			}
			continue
		}
		if strings.HasPrefix(w, "[") {
			optional = append(optional, strings.Trim(w, "[]…."))
		} else {
			required = append(required, strings.TrimRight(w, "…."))
		}
	}
	if len(args) < len(required) {
		return "name the " + strings.Join(required[len(args):], " and the ")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	switch n := len(required) + len(optional); {
	case n == 0:
		return "takes no arguments; got " + strings.Join(quoted, " ")
	case len(required) == 0:
		return "takes at most one " + strings.Join(optional, " or ") + "; got " + strings.Join(quoted, " ")
	}
	return "too many arguments: " + strings.Join(quoted, " ")
}
