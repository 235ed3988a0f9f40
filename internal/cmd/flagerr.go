package cmd

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// secretFlags are the flags users reach for out of habit (curl -u, mysql
// -p…): sesame takes no secret on its command line, where every user of
// the machine can read it, so the answer says how a secret is given.
var secretFlags = map[string]string{"password": "password", "key": "key", "secret": "secret", "token": "token"}

var unknownFlag = regexp.MustCompile(`^unknown (?:shorthand )?flag: (?:'(.)' in -\S*|--?([^=\s]+))`)

// teachFlagError turns cobra's bare flag errors into ones that say what to
// do: how secrets are given, the flag that was probably meant, and `--`
// before a command whose own flags sesame would otherwise parse.
func teachFlagError(c *cobra.Command, err error) error {
	msg := err.Error()
	m := unknownFlag.FindStringSubmatch(msg)
	name := ""
	if m != nil {
		name = m[2]
	}
	// `--token abc` on YM login is a switch given a value; `--password x`
	// an unknown flag: both mean the user tried to pass a secret.
	if what, ok := secretFlags[name]; ok || isSecretValue(c, msg) {
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

var secretSwitch = regexp.MustCompile(`invalid argument ".*" for "--(token|password|key|secret)"`)

func isSecretValue(_ *cobra.Command, msg string) bool { return secretSwitch.MatchString(msg) }

// suggestFlag finds the defined flag closest to name, as cobra's "did you
// mean" does for commands (Levenshtein distance ≤ 2, or a prefix).
func suggestFlag(c *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := levenshtein(strings.ToLower(name), f.Name)
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

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
