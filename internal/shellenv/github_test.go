package shellenv

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseGitHubEnv reads a $GITHUB_ENV file the way the Actions runner does
// (actions/runner, src/Runner.Worker/FileCommandManager.cs,
// EnvFileKeyValuePairs): lines end at LF, and on Windows runners at CRLF
// too; NAME=VALUE is one line; NAME<<DELIM takes the exact text between the
// header's line end and the line end before the first line equal to DELIM.
func parseGitHubEnv(t *testing.T, text string, windows bool) [][2]string {
	t.Helper()
	index := 0
	readLine := func() (line string, newline string, ok bool) {
		if index >= len(text) {
			return "", "", false
		}
		start := index
		lf := strings.Index(text[index:], "\n")
		if lf < 0 {
			index = len(text)
			return text[start:], "", true
		}
		lf += index
		if windows {
			if crlf := strings.Index(text[index:], "\r\n"); crlf >= 0 && crlf+index < lf {
				index = crlf + index + 2
				return text[start : index-2], "\r\n", true
			}
		}
		index = lf + 1
		return text[start:lf], "\n", true
	}
	var out [][2]string
	for {
		line, _, ok := readLine()
		if !ok {
			return out
		}
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, [2]string{line[:eq], line[eq+1:]})
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				t.Fatalf("runner: invalid format %q", line)
			}
			start, end := index, index
			for {
				l, nl, ok := readLine()
				if !ok {
					t.Fatalf("runner: matching delimiter not found %q", delim)
				}
				if l == delim {
					break
				}
				if nl == "" {
					t.Fatalf("runner: EOF marker missing new line")
				}
				end = index - len(nl)
			}
			out = append(out, [2]string{name, text[start:max(start, end)]})
		default:
			t.Fatalf("runner: invalid format %q", line)
		}
	}
}

// unescapeCommandData reverses escapeCommandData as the runner does
// (ActionCommand.UnescapeData).
func unescapeCommandData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func TestWriteGitHubRoundTrip(t *testing.T) {
	t.Parallel()
	var vals []testValue
	for _, tv := range nastyValues() {
		if utf8.ValidString(tv.value) && !strings.HasSuffix(tv.value, "\r") {
			vals = append(vals, tv)
		}
	}
	vals = append(vals,
		testValue{"fake delimiter", "a\nSESAME_ENV_00000000000000000000000000000000\nEVIL=1\n"},
		testValue{"injection", "x\nEVIL<<EOF\nevil\nEOF\n"},
		testValue{"header look-alike", "B<<C"},
	)
	vars := varsFor(vals)
	const before = "EARLIER=step\n"
	var file, stdout strings.Builder
	file.WriteString(before)
	if err := WriteGitHub(&file, &stdout, vars); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(file.String(), before) {
		t.Fatal("WriteGitHub changed what was already in the file")
	}
	for _, windows := range []bool{false, true} {
		got := parseGitHubEnv(t, file.String(), windows)
		if len(got) != len(vars)+1 || got[0] != [2]string{"EARLIER", "step"} {
			t.Fatalf("windows=%v: the runner would read %d variables, want %d", windows, len(got), len(vars)+1)
		}
		for i, v := range vars {
			if got[i+1] != [2]string{v.Name, v.Value} {
				t.Errorf("windows=%v: %s (%s): runner reads %q=%q, want %q", windows, v.Name, vals[i].desc, got[i+1][0], truncate(got[i+1][1]), truncate(v.Value))
			}
		}
	}

	// Masks: every non-blank line of every secret, trimmed, and nothing else.
	want := map[string]bool{}
	for _, v := range vars {
		if !v.Secret {
			continue
		}
		for _, l := range strings.FieldsFunc(v.Value, func(r rune) bool { return r == '\r' || r == '\n' }) {
			if l = strings.TrimSpace(l); l != "" {
				want[l] = true
			}
		}
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		data, ok := strings.CutPrefix(line, "::add-mask::")
		if !ok || data == "" || strings.ContainsAny(data, "\r") {
			t.Errorf("stdout line %q is not an ::add-mask:: command with data", line)
			continue
		}
		got[unescapeCommandData(data)] = true
	}
	for l := range want {
		if !got[l] {
			t.Errorf("no mask for secret line %q", truncate(l))
		}
	}
	for l := range got {
		if !want[l] {
			t.Errorf("mask %q is not a line of a secret", truncate(l))
		}
	}
}

func TestWriteGitHubMasksFirstAndEscapes(t *testing.T) {
	t.Parallel()
	var order []string
	file := writerFunc(func(p []byte) { order = append(order, "file") })
	stdout := &strings.Builder{}
	out := writerFunc(func(p []byte) { order = append(order, "stdout"); stdout.Write(p) })
	vars := []Var{
		{Name: "PLAIN", Value: "not secret"},
		{Name: "KEY", Value: "-----BEGIN-----\r\n  abc%0Adef  \r\n\r\n \n-----END-----\n", Secret: true},
		{Name: "EMPTY", Value: "", Secret: true},
	}
	if err := WriteGitHub(file, out, vars); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "stdout,file" {
		t.Errorf("writes went %v; the masks must reach stdout before the values reach the file", order)
	}
	want := "::add-mask::-----BEGIN-----\n::add-mask::abc%250Adef\n::add-mask::-----END-----\n"
	if stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestWriteGitHubDelimiter(t *testing.T) {
	t.Parallel()
	delims := map[string]bool{}
	for range 3 {
		var file, stdout strings.Builder
		if err := WriteGitHub(&file, &stdout, []Var{{Name: "A", Value: "x"}}); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(file.String(), "\n")
		d := strings.TrimPrefix(header, "A<<")
		if len(d) != len("SESAME_ENV_")+32 || !strings.HasSuffix(file.String(), "\n"+d+"\n") {
			t.Fatalf("file = %q: want A<<SESAME_ENV_ and 32 hex digits, the value, and the delimiter", file.String())
		}
		delims[d] = true
	}
	if len(delims) != 3 {
		t.Errorf("the delimiter repeats: %v", delims)
	}
}

func TestWriteGitHubRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"\xff", "a\x00b", "a\r", "\r"} {
		var file, stdout strings.Builder
		err := WriteGitHub(&file, &stdout, []Var{{Name: "OK", Value: "fine", Secret: true}, {Name: "BAD", Value: bad, Secret: true}})
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Name != "BAD" || file.Len()+stdout.Len() != 0 {
			t.Errorf("value %q: err %v, wrote %q and %q; want a *ValueError for BAD and nothing written", bad, err, file.String(), stdout.String())
		}
	}
}

func TestAppendGitHubEnv(t *testing.T) {
	t.Parallel()
	var stdout strings.Builder
	if err := AppendGitHubEnv("", &stdout, []Var{{Name: "A", Value: "x"}}); err == nil || !strings.Contains(err.Error(), "GITHUB_ENV is not set") {
		t.Errorf("empty path: err = %v", err)
	}

	path := filepath.Join(t.TempDir(), "set_env")
	vars := []Var{{Name: "A", Value: "one\ntwo", Secret: true}}
	if err := AppendGitHubEnv(path, &stdout, vars); err != nil {
		t.Fatal(err)
	}
	if err := AppendGitHubEnv(path, &stdout, []Var{{Name: "B", Value: "b"}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := parseGitHubEnv(t, string(data), false)
	if len(got) != 2 || got[0] != [2]string{"A", "one\ntwo"} || got[1] != [2]string{"B", "b"} {
		t.Errorf("file reads as %q", got)
	}
	if stdout.String() != "::add-mask::one\n::add-mask::two\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, %v; want 0600", fi.Mode().Perm(), err)
		}
	}
	if err := AppendGitHubEnv(filepath.Join(t.TempDir(), "no", "such", "dir"), &stdout, vars); err == nil {
		t.Error("a path in a missing folder: no error")
	}
}
