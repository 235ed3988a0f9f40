package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// A symlink call that says yes but makes nothing (Wine's) falls back to a
// copy; so does one that fails.
func TestLinkOrCopyChecksTheLink(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "sesame.exe")
	if err := os.WriteFile(src, []byte("binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, symlink := range map[string]func(string, string) error{
		"lying":   func(string, string) error { return nil },
		"failing": func(string, string) error { return errors.New("a privilege is needed") },
		"wrong":   func(_, dst string) error { return os.WriteFile(dst, []byte("not sesame"), 0o700) },
		"real":    os.Symlink,
	} {
		dst := filepath.Join(dir, name+".exe")
		if err := linkOrCopyWith(symlink, src, dst); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, err := os.ReadFile(dst); err != nil || string(got) != "binary" {
			t.Errorf("%s: dst holds %q, %v; want a link to or copy of sesame", name, got, err)
		}
	}
}

func TestFinishDemoReportsALeftoverStore(t *testing.T) {
	var out bytes.Buffer
	err := finishDemo(&out, errors.New(`the sandbox's throw-away config and store in C:\tmp\x could not be removed (access denied); remove that folder yourself`))
	if err == nil || !strings.Contains(err.Error(), `C:\tmp\x`) || strings.Contains(out.String(), "gone") {
		t.Errorf("err = %v, out = %q; want the failure reported and no claim that the store is gone", err, out.String())
	}
	out.Reset()
	if err := finishDemo(&out, nil); err != nil || !strings.Contains(out.String(), "are gone") {
		t.Errorf("err = %v, out = %q", err, out.String())
	}
}

func TestRemoveTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "world")
	if err := os.MkdirAll(filepath.Join(dir, "home", "sesame", "sessions"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "home", "sesame", "sessions", "tdx.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeTree(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", dir, err)
	}
}

// Every login line the sandbox prints works as printed: the accounts it
// calls refused are refused (exit 3) with the reason its note gives, the
// others log in. (The YM MultipleAccounts line once needed a flag it did
// not print.)
func TestSandboxLinesWorkAsPrinted(t *testing.T) {
	t.Parallel()
	for _, vendor := range sandbox.Names() {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			url := w.sandbox(vendor, sandbox.Options{})
			v, _ := sandbox.New(vendor, sandbox.Options{})
			for i, a := range v.Accounts() {
				line := loginLine(vendor, a, url)
				args := append([]string{"-p", fmt.Sprintf("acct%d", i)}, unquoteFields(strings.TrimPrefix(line, "sesame "))...)
				r := w.run(a.Secret, args...)
				switch {
				case a.Refusing && r.code != 3:
					t.Errorf("%s (%s): exit %d, want 3\n%s", line, a.Note, r.code, r.errOut)
				case !a.Refusing && r.code != 0:
					t.Errorf("%s (%s): exit %d, want 0\n%s", line, a.Note, r.code, r.errOut)
				}
				if strings.Contains(a.Note, "MultipleAccounts") && !strings.Contains(r.errOut, "more than one YM account") {
					t.Errorf("%s: %s, want the MultipleAccounts answer", line, r.errOut)
				}
			}
		})
	}
}

// unquoteFields splits a line the way sh would for what shellQuote makes.
func unquoteFields(line string) []string {
	var out []string
	for _, f := range strings.Fields(line) {
		out = append(out, strings.Trim(f, "'"))
	}
	return out
}
