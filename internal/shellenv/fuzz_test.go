package shellenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPOSIXQuote checks that any value without NUL survives
// eval "$(cat FILE)" in sh and bash, both as the shell sees it and as it
// exports it (printenv, a separate process, reads the environment). The
// seed corpus is in testdata/fuzz/FuzzPOSIXQuote; plain `go test` runs only
// the seeds, `go test -fuzz=FuzzPOSIXQuote` explores.
func FuzzPOSIXQuote(f *testing.F) {
	for _, s := range []string{"", "it's", `'\''`, "$(id)`id`${x}", "a\nb\n", "\xff\x01\x7f", "‘’“”", "-n"} {
		f.Add(s)
	}
	var shells []string
	for _, sh := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(sh); err == nil {
			shells = append(shells, sh)
		}
	}
	printenv, err := exec.LookPath("printenv")
	if len(shells) == 0 || err != nil {
		f.Skip("needs sh or bash, and printenv, on PATH")
	}
	// The script holds no value: the value reaches the shell only through
	// the file Format wrote.
	script := `eval "$(cat "$SHELLENV_FILE")" || exit 97` + "\n" +
		`printf '%s\000' "$SESAME_FUZZ"` + "\n" +
		`"$SHELLENV_PRINTENV" SESAME_FUZZ` + "\n"

	f.Fuzz(func(t *testing.T, value string) {
		if strings.IndexByte(value, 0) >= 0 {
			if _, err := Format("sh", []Var{{Name: "SESAME_FUZZ", Value: value}}); err == nil {
				t.Fatal("Format accepted a NUL")
			}
			return
		}
		out, err := Format("sh", []Var{{Name: "SESAME_FUZZ", Value: value}})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "env")
		if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		// What the shell holds, a NUL, then what printenv prints: the
		// exported value and a newline.
		want := value + "\x00" + value + "\n"
		for _, sh := range shells {
			cmd := exec.Command(sh, "-c", script)
			cmd.Env = childEnv(dir, "C.UTF-8", map[string]string{"SHELLENV_FILE": file, "SHELLENV_PRINTENV": printenv})
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s\nscript:\n%q", sh, err, stderr.String(), out)
			}
			if got := stdout.String(); got != want {
				t.Fatalf("%s: got %q, want %q\nscript:\n%q", sh, got, want, out)
			}
		}
	})
}
