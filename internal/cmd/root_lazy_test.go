package cmd

import (
	"strings"
	"testing"
)

// commandWord finds the top-level command past the root's flags and their
// values, and gives up ("": the whole tree) on anything it cannot read.
func TestCommandWord(t *testing.T) {
	t.Parallel()
	root := newRootBase(newApp())
	for args, want := range map[string]string{
		"token show":                          "token",
		"-p tdx token show":                   "token",
		"-ptdx env":                           "env",
		"-p=tdx env":                          "env",
		"--profile tdx --store file status":   "status",
		"--profile=tdx status":                "status",
		"--timeout 5s --cacert ca.pem api /x": "api",
		"--debug curl /api":                   "curl",
		"--debug=false exec -- true":          "exec",
		"--config /tmp/c.yaml login tdx":      "login",
		"":                                    "",
		"--help":                              "",
		"-h token":                            "",
		"--version":                           "",
		"--no-such-flag token show":           "",
		"-x token":                            "",
		"-- token":                            "",
		"--profile":                           "",
		"help token":                          "help",
		"tokn show":                           "tokn",
	} {
		var a []string
		if args != "" {
			a = strings.Fields(args)
		}
		if got := commandWord(root, a); got != want {
			t.Errorf("commandWord(%q) = %q, want %q", args, got, want)
		}
	}
}

// The tree built for one command answers as the whole tree does: the
// command's help, an unknown subcommand, a bad flag.
func TestOneCommandTreeAnswersAsTheWholeTree(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"token", "show", "--help"},
		{"token", "--help"},
		{"token", "shw"},
		{"token", "show", "--format", "yaml"},
		{"token", "show", "--no-such-flag"},
		{"-p", "tdx", "profile", "--help"},
		{"fleet", "acl", "--help"},
		{"login", "tdx", "--help"},
		{"status", "a", "b"},
	} {
		w := newWorld(t)
		one := w.run("", args...)
		if root, whole := newRootCmdFor(newApp(), args); whole || len(root.Commands()) != 1 {
			t.Fatalf("%q: built the whole tree", args)
		}
		app, _, out, errOut := w.app()
		code := runTree(app, newRootCmd(app), true, args)
		all := result{code: code, out: out.String(), errOut: errOut.String()}
		if one != all {
			t.Errorf("sesame %s\none command: %+v\nwhole tree:  %+v", strings.Join(args, " "), one, all)
		}
	}
}
