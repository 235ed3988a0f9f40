package cmd

import (
	"slices"
	"strings"
	"testing"
)

// exec hands the child the session's variables and nothing that names
// another profile; the recorder shows exactly what would run.
func TestExecHandsTheSessionToTheChild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rec := &recorder{}
	w.runner = rec
	w.loginTDX()
	tok := strings.TrimSpace(w.ok("", "token", "show").out)

	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		argv  []string
		wants []string
	}{
		{"argv after --", []string{"exec", "--", "printenv", "TDX_TOKEN"}, 0, []string{"printenv", "TDX_TOKEN"},
			[]string{"TDX_TOKEN=" + tok, "TDX_AUTHORIZATION=Bearer " + tok, "SESAME_PROFILE=tdx"}},
		{"profile argument", []string{"exec", "tdx", "--", "true"}, 0, []string{"true"}, []string{"TDX_BASE_URL="}},
		{"no command", []string{"exec"}, 2, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rec.runs)
			r := w.run("", tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.errOut)
			}
			if tc.argv == nil {
				if len(rec.runs) != before {
					t.Fatalf("a child ran: %+v", rec.runs[before:])
				}
				return
			}
			run := rec.runs[len(rec.runs)-1]
			if !slices.Equal(run.argv, tc.argv) {
				t.Errorf("argv %q, want %q", run.argv, tc.argv)
			}
			for _, want := range tc.wants {
				if !slices.ContainsFunc(run.env, func(e string) bool { return e == want || strings.HasSuffix(want, "=") && strings.HasPrefix(e, want) }) {
					t.Errorf("env lacks %q", want)
				}
			}
		})
	}

	// The child's exit code is sesame's.
	rec.code = 3
	if r := w.run("", "exec", "--", "false"); r.code != 3 {
		t.Errorf("child exit 3: sesame exit %d", r.code)
	}
	rec.code = 0
	// --redact: the child's output loses the token.
	r := w.ok("", "exec", "--redact", "--", "echo", tok)
	if strings.Contains(r.out, tok) {
		t.Errorf("--redact let the token through: %q", r.out)
	}
}
