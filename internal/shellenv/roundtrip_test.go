package shellenv

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sesame-cli/sesame/internal/wine"
)

// A realShell is one way a user runs Format's output: the program, how its
// script loads the file Format wrote, and how it reports what it got.
type realShell struct {
	name    string   // subtest name
	format  string   // Format's shell argument
	argv    []string // the program and its arguments; the script (or its file) comes last
	script  func(names []string) string
	inShell bool   // the script prints each variable as the shell sees it, NUL-terminated, to stdout
	envExt  string // extension of the file Format's output is written to
	batch   bool   // the script is written to run.cmd and its path passed instead
	accepts func(value string) bool
	missing string // why the program may be missing, for the skip message
	// notWine says why Wine cannot prove this way of running the output;
	// empty when it can.
	notWine string
}

const installHint = "run .ci/shells.sh (Debian: apt-get install zsh fish ksh mksh busybox)"

func realShells() []realShell {
	all := func(string) bool { return true }
	posix := func(name string, argv ...string) realShell {
		return realShell{name: name, format: "sh", argv: argv, script: posixScript, inShell: true, accepts: all, missing: installHint}
	}
	return []realShell{
		posix("sh", "sh", "-c"),
		posix("dash", "dash", "-c"),
		posix("bash", "bash", "--norc", "--noprofile", "-c"),
		posix("bash-posix", "bash", "--posix", "--norc", "--noprofile", "-c"),
		posix("zsh", "zsh", "-f", "-c"),
		posix("zsh-as-sh", "zsh", "--emulate", "sh", "-f", "-c"),
		posix("ksh", "ksh", "-c"),
		posix("mksh", "mksh", "-c"),
		posix("busybox-ash", "busybox", "sh", "-c"),
		{
			name: "fish", format: "fish", argv: []string{"fish", "--no-config", "-c"},
			script: fishScript, inShell: true, accepts: all, missing: installHint,
		},
		{
			name: "pwsh", format: "powershell", argv: []string{"pwsh", "-NoProfile", "-NonInteractive", "-Command"},
			script: powershellScript, accepts: utf8.ValidString,
			missing: "PowerShell is not packaged in Debian, and npm's pwsh package downloads it from github.com at install time; install PowerShell from Microsoft to run this test",
			notWine: "Wine's powershell.exe is a stub that runs nothing",
		},
		{
			name: "windows-powershell", format: "powershell", argv: []string{"powershell", "-NoProfile", "-NonInteractive", "-Command"},
			script: powershellScript, accepts: utf8.ValidString,
			missing: "Windows PowerShell 5.1 exists only on Windows",
			notWine: "Wine's powershell.exe is a stub that runs nothing",
		},
		{
			name: "cmd-call", format: "cmd", argv: []string{"cmd", "/d", "/c"}, batch: true, envExt: ".cmd",
			script: cmdScript(`call "%SHELLENV_FILE%"`), accepts: cmdAccepts,
			missing: "cmd.exe exists only on Windows",
		},
		{
			name: "cmd-for", format: "cmd", argv: []string{"cmd", "/d", "/c"}, batch: true, envExt: ".cmd",
			script: cmdScript(`for /f "usebackq delims=" %%i in ("%SHELLENV_FILE%") do %%i`), accepts: cmdAccepts,
			missing: "cmd.exe exists only on Windows",
			notWine: "Wine's cmd does not run for /f ... do %i as Windows does",
		},
		{
			name: "cmd-for-call", format: "cmd", argv: []string{"cmd", "/d", "/c"}, batch: true, envExt: ".cmd",
			script: cmdScript(`for /f "usebackq delims=" %%i in ("%SHELLENV_FILE%") do call %%i`), accepts: cmdAccepts,
			missing: "cmd.exe exists only on Windows",
			notWine: "Wine's cmd does not run for /f ... do call %i as Windows does",
		},
	}
}

// posixScript evals the output the way users do, eval "$(sesame env)",
// prints what the shell holds and runs the dumper to show what it exported.
func posixScript(names []string) string {
	var b strings.Builder
	b.WriteString(`eval "$(cat "$SHELLENV_FILE")" || exit 97` + "\n")
	b.WriteString(`printf '%s\000'`)
	for _, n := range names {
		b.WriteString(` "$` + n + `"`)
	}
	b.WriteString("\n\"$SHELLENV_DUMPER\"\n")
	return b.String()
}

// fishScript pipes the output to source, as users do. "$NAME" in double
// quotes is one argument even when the value has newlines (only command
// substitution splits on them) and joins a PATH variable's list with ':'.
func fishScript(names []string) string {
	var b strings.Builder
	b.WriteString("cat $SHELLENV_FILE | source; or exit 97\n")
	b.WriteString(`printf '%s\0'`)
	for _, n := range names {
		b.WriteString(` "$` + n + `"`)
	}
	b.WriteString("\n$SHELLENV_DUMPER\n")
	return b.String()
}

// powershellScript runs the output line by line, as
// `sesame env --shell powershell | Invoke-Expression` does.
func powershellScript([]string) string {
	return "$ErrorActionPreference = 'Stop'\n" +
		"Get-Content -LiteralPath $Env:SHELLENV_FILE | Invoke-Expression\n" +
		"& $Env:SHELLENV_DUMPER\n" +
		"exit $LASTEXITCODE\n"
}

func cmdScript(load string) func([]string) string {
	return func([]string) string {
		return "@echo off\r\n" + load + "\r\n\"%SHELLENV_DUMPER%\"\r\n"
	}
}

// cmdAccepts is formatCmd's contract, written out again: printable ASCII
// without % ! ^ " or /?.
func cmdAccepts(v string) bool {
	if strings.Contains(v, "/?") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || strings.IndexByte(`%!^"`, c) >= 0 {
			return false
		}
	}
	return true
}

func TestRoundTripRealShells(t *testing.T) {
	t.Parallel()
	locales := []string{"C.UTF-8", "C"}
	if runtime.GOOS == "windows" {
		locales = []string{""}
	}
	for _, sh := range realShells() {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			if sh.notWine != "" && wine.Detected() {
				t.Skipf("%s: %s", sh.notWine, wine.SkipReason)
			}
			if _, err := exec.LookPath(sh.argv[0]); err != nil {
				t.Skipf("%s not found on PATH: %s", sh.argv[0], sh.missing)
			}
			for _, loc := range locales {
				// No '=' in the name: it becomes part of t.TempDir's
				// path, which cmd then splits at the '='.
				name := "locale-" + loc
				if loc == "" {
					name = "locale-default"
				}
				t.Run(name, func(t *testing.T) {
					runRoundTrip(t, sh, loc, nastyValues())
				})
			}
		})
	}
}

// runRoundTrip checks which values sh's format accepts against sh.accepts,
// runs sh on Format's output for all the accepted ones and compares what
// the shell holds and what it exported with the values, byte for byte.
func runRoundTrip(t *testing.T, sh realShell, locale string, vals []testValue) {
	t.Helper()
	var ok []testValue
	for _, tv := range vals {
		_, err := Format(sh.format, []Var{{Name: "V", Value: tv.value}})
		switch want := sh.accepts(tv.value); {
		case want && err != nil:
			t.Errorf("%s: Format refused %s: %v", sh.format, tv.desc, err)
		case !want && err == nil:
			t.Errorf("%s: Format accepted %s (%q), which it should refuse", sh.format, tv.desc, tv.value)
		case err != nil:
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Name != "V" {
				t.Errorf("%s: refusing %s: %v is not a *ValueError naming V", sh.format, tv.desc, err)
			}
		default:
			ok = append(ok, tv)
		}
	}
	vars := varsFor(ok)
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	out, err := Format(sh.format, vars)
	if err != nil {
		t.Fatalf("Format: %v", err)
	}

	dir := t.TempDir()
	envFile := filepath.Join(dir, "env"+sh.envExt)
	dumpFile := filepath.Join(dir, "dump")
	if err := os.WriteFile(envFile, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := sh.script(names)
	if sh.batch {
		p := filepath.Join(dir, "run.cmd")
		if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		script = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh.argv[0], append(sh.argv[1:], script)...)
	cmd.Dir = dir
	cmd.Env = childEnv(dir, locale, map[string]string{
		"SHELLENV_FILE":          envFile,
		"SHELLENV_DUMPER":        exe,
		"SHELLENV_TEST_DUMP":     strings.Join(names, ","),
		"SHELLENV_TEST_DUMP_OUT": dumpFile,
	})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", sh.name, err, truncate(stderr.String()))
	}
	if stderr.Len() > 0 {
		t.Errorf("%s wrote to stderr:\n%s", sh.name, truncate(stderr.String()))
	}

	if sh.inShell {
		fields := strings.Split(stdout.String(), "\x00")
		if len(fields) != len(ok)+1 || fields[len(ok)] != "" {
			t.Errorf("the shell printed %d NUL-terminated values, want %d", len(fields)-1, len(ok))
		} else {
			for i, tv := range ok {
				if fields[i] != tv.value {
					t.Errorf("in the shell, %s (%s) = %q, want %q", names[i], tv.desc, truncate(fields[i]), truncate(tv.value))
				}
			}
		}
	}
	exported := readDump(t, dumpFile)
	for i, tv := range ok {
		got, set := exported[names[i]]
		switch {
		case !set && tv.value == "" && (sh.format == "cmd" || runtime.GOOS == "windows"):
			// cmd and the Windows environment have no empty variables;
			// an empty value removes the variable (documented).
		case !set:
			t.Errorf("%s (%s) was not exported", names[i], tv.desc)
		case got != tv.value:
			t.Errorf("exported %s (%s) = %q, want %q", names[i], tv.desc, truncate(got), truncate(tv.value))
		}
	}
	t.Logf("%s: %d values round-tripped, %d refused as documented", sh.name, len(ok), len(vals)-len(ok))
}

// childEnv is the environment for a shell under test: on Unix a small one,
// so that no rc file, locale or fish universal variable of the machine's
// leaks in; on Windows the test's own, which cmd and PowerShell need.
func childEnv(dir, locale string, extra map[string]string) []string {
	var env []string
	if runtime.GOOS == "windows" {
		env = os.Environ()
	} else {
		env = []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + dir,
			"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
			"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
			"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
			"LC_ALL=" + locale,
		}
	}
	// A test binary built with -cover warns on stderr when it exits
	// without GOCOVERDIR, and this binary is the dumper the shells run.
	env = append(env, "GOCOVERDIR="+dir)
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
