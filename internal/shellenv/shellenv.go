// Package shellenv turns variables into text that a shell, a dotenv reader
// or GitHub Actions reads back as exactly the same bytes. It is what
// `sesame env` prints for `eval "$(sesame env)"`, `sesame env --shell fish |
// source`, `sesame env --shell powershell | Invoke-Expression`, and what
// `--shell github` appends to $GITHUB_ENV (SPEC §3: "every value round-trips
// exactly through the target shell, whatever bytes it holds").
//
// Where a target cannot carry a value exactly (cmd has no way to hold a line
// break, an environment variable cannot hold a NUL, …) Format refuses with a
// *ValueError rather than print something that would set a different value.
//
// The values are secrets. This package must never print a value anywhere but
// the writer or string it was asked to produce: never to stderr, never in an
// error (errors name the variable and what kind of character is at fault,
// never the value or a part of it), never on a command line (this package
// starts no process, and its callers must not pass its output to one as an
// argument: argv is readable by every user of the machine).
package shellenv

import (
	"errors"
	"fmt"
	"strings"
)

// Var is one variable to export.
type Var struct {
	// Name must match ^[A-Za-z_][A-Za-z0-9_]*$, the names every target here
	// accepts without quoting.
	Name string
	// Value is any bytes; each format says what it refuses.
	Value string
	// Secret marks values that GitHub Actions must mask (WriteGitHub). Format
	// prints secret and plain values alike: printing them is its job.
	Secret bool
}

// ValueError reports a value that a target's syntax cannot carry exactly. Its
// text names the variable and the kind of character at fault, never the value.
type ValueError struct {
	Shell  string // the target: sh, fish, powershell, cmd, dotenv or github
	Name   string // the variable
	Reason string // why, in words a user can act on
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("--shell %s cannot hold the value of %s: %s", e.Shell, e.Name, e.Reason)
}

// ErrUnknownShell is wrapped by the error Format returns for a shell it does
// not know; the message lists the valid ones.
var ErrUnknownShell = errors.New("unknown shell")

// Shells returns the names Format accepts, in the order help text should
// list them. "github" is not among them: it appends to a file (WriteGitHub).
func Shells() []string {
	return []string{"sh", "bash", "zsh", "dash", "ksh", "fish", "powershell", "pwsh", "cmd", "dotenv"}
}

// Format returns the assignments that set vars in shell, one statement per
// variable, each ending in a newline:
//
//	sh, bash, zsh, dash, ksh, "" → export NAME='value'        (eval "$(sesame env)")
//	fish                        → set -gx NAME 'value'         (sesame env --shell fish | source)
//	powershell, pwsh            → $Env:NAME = 'value'          (sesame env --shell powershell | Invoke-Expression)
//	cmd                         → set "NAME=value"             (for /f "delims=" %i in ('sesame env --shell cmd') do %i)
//	dotenv                      → NAME='value' or NAME="value" (docker compose --env-file, python-dotenv, Node's dotenv)
//
// The shell name is matched without regard to case; an unknown one is an
// error wrapping ErrUnknownShell. A name that is not ^[A-Za-z_][A-Za-z0-9_]*$
// is an error, and a value the target cannot carry exactly a *ValueError;
// either way Format returns no output at all. What each target refuses (the
// comment on each formatter in this package says why):
//
//	sh, fish    only NUL, which no environment variable can hold (every target refuses it)
//	powershell  bytes that are not UTF-8
//	cmd         anything but printable ASCII, and % ! ^ " and /? (so also line breaks and non-ASCII);
//	            an assignment longer than 8191 characters
//	dotenv      bytes that are not UTF-8; ${; values that fit neither '…' nor "…" for
//	            docker compose, python-dotenv and Node's dotenv alike
//	            (e.g. both ' and one of " \ $, or \\, or a \ at the end)
func Format(shell string, vars []Var) (string, error) {
	f, canonical, err := formatterFor(shell)
	if err != nil {
		return "", err
	}
	for _, v := range vars {
		if err := checkName(v.Name); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	for _, v := range vars {
		if strings.IndexByte(v.Value, 0) >= 0 {
			return "", errNUL(canonical, v.Name)
		}
		line, reason := f(v.Name, v.Value)
		if reason != "" {
			return "", &ValueError{Shell: canonical, Name: v.Name, Reason: reason}
		}
		b.WriteString(line)
	}
	return b.String(), nil
}

// formatter returns one variable's statement, newline included, or the
// reason the value cannot be written.
type formatter func(name, value string) (line, reason string)

func formatterFor(shell string) (formatter, string, error) {
	switch s := strings.ToLower(shell); s {
	case "", "sh", "bash", "zsh", "dash", "ksh":
		return formatPOSIX, "sh", nil
	case "fish":
		return formatFish, s, nil
	case "powershell", "pwsh":
		return formatPowerShell, "powershell", nil
	case "cmd":
		return formatCmd, s, nil
	case "dotenv":
		return formatDotenv, s, nil
	case "github":
		// Not a printable format: it needs the $GITHUB_ENV file and stdout.
		return nil, "", fmt.Errorf("--shell github appends to $GITHUB_ENV and is written by WriteGitHub, not Format")
	default:
		return nil, "", fmt.Errorf("%w %q: valid shells are %s, github", ErrUnknownShell, shell, strings.Join(Shells(), ", "))
	}
}

// checkName accepts the portable identifier syntax. Anything wider would
// need quoting in some target (fish and PowerShell accept other names, cmd
// and dotenv readers differ on '.', '-', ':'), and an unquoted name is what
// makes each statement's shape fixed: a value can never end up in the name.
func checkName(name string) error {
	ok := name != "" && !isDigit(name[0])
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c == '_' || isDigit(c) || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
	}
	if !ok {
		return fmt.Errorf("invalid variable name %q: it must match ^[A-Za-z_][A-Za-z0-9_]*$", name)
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func errNUL(shell, name string) error {
	return &ValueError{Shell: shell, Name: name, Reason: "the value contains a NUL byte, which no environment variable can hold"}
}

// DefaultShell is the --shell value when none is given: from $SHELL when it
// is set (see ShellFromEnv); else, as on Windows where no SHELL is set,
// "powershell" when PSModulePath is set, "cmd" when only ComSpec is, and
// "sh" otherwise. getenv is os.Getenv or a test's stand-in.
func DefaultShell(getenv func(string) string) string {
	if sh := getenv("SHELL"); sh != "" {
		return ShellFromEnv(sh)
	}
	switch {
	case getenv("PSModulePath") != "":
		return "powershell"
	case getenv("ComSpec") != "":
		return "cmd"
	}
	return "sh"
}

// ShellFromEnv maps the user's $SHELL to a --shell value: "fish" for fish,
// "powershell" for pwsh or powershell, "cmd" for cmd.exe, and "sh" for
// everything else, the POSIX shells included and an empty $SHELL (so
// Windows users who want PowerShell say --shell). Only the program name
// counts: /usr/local/bin/fish, fish, -fish (a login shell's argv[0]) and
// C:\Program Files\PowerShell\7\pwsh.exe all work.
func ShellFromEnv(shellEnv string) string {
	base := shellEnv
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.ToLower(strings.TrimPrefix(base, "-"))
	base = strings.TrimSuffix(base, ".exe")
	switch {
	case base == "fish":
		return "fish"
	case base == "pwsh" || base == "powershell" || strings.HasPrefix(base, "pwsh-"):
		// pwsh-preview and pwsh-lts are Microsoft's own package names.
		return "powershell"
	case base == "cmd":
		return "cmd"
	default:
		return "sh"
	}
}

func controlName(c byte) string {
	switch c {
	case '\n':
		return "a line break (LF)"
	case '\r':
		return "a carriage return (CR)"
	case '\t':
		return "a tab"
	default:
		return fmt.Sprintf("the control byte 0x%02x", c)
	}
}
