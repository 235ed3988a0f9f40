package cmd

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCurlChild runs `sesame curl` through a recording Runner: no real
// curl. It checks the argv curl would get (-q first, each proxied URL
// replaced by -K and a config at its place, foreign URLs untouched), the
// configs (the URL on the proxy behind its capability, noproxy, nothing
// else: no header), and the environment (nothing of sesame's).
func TestCurlChild(t *testing.T) {
	w := newWorld(t)
	rec := &recorder{}
	w.runner = rec
	tdx := w.loginTDX()
	t.Setenv("SESAME_FLEET_KEY", "fleet-key-value")
	t.Setenv("SESAME_REDIS_PASSWORD", "redis-pass-value")
	t.Setenv("SESAME_PROXY_TOKEN", "outer-proxy-value")

	capURL := `url = "http://127\.0\.0\.1:[0-9]+/[A-Za-z0-9_-]{43}`
	for _, tc := range []struct {
		name  string
		args  []string
		argv  []string // want, after "curl -q"
		files []string // regexps, one per config
		say   string   // on stderr
	}{
		{"relative path", []string{"curl", "-sS", "/api/auth/getuser"},
			[]string{"-sS", "-K", "/dev/fd/3"}, []string{capURL + `/TDWebApi/api/auth/getuser"\n$`}, ""},
		{"a word is a path", []string{"curl", "api/auth/getuser"},
			[]string{"-K", "/dev/fd/3"}, []string{capURL + `/TDWebApi/api/auth/getuser"\n$`}, ""},
		{"base pasted", []string{"curl", "/TDWebApi/api/x?y=1"},
			[]string{"-K", "/dev/fd/3"}, []string{capURL + `/TDWebApi/api/x\?y=1"\n$`}, ""},
		{"absolute on the origin and a foreign one", []string{"curl", tdx + "/TDWebApi/api/a", "--next", "--url", "http://127.0.0.1:1/x"},
			[]string{"-K", "/dev/fd/3", "--next", "--url", "http://127.0.0.1:1/x"}, []string{capURL + `/TDWebApi/api/a"\n$`}, "curl sends it nothing of sesame's"},
		{"two requests", []string{"curl", "/a", "-o", "f", "--next", "/b"},
			[]string{"-K", "/dev/fd/3", "-o", "f", "--next", "-K", "/dev/fd/4"}, []string{capURL + `/TDWebApi/a"\n$`, capURL + `/TDWebApi/b"\n$`}, ""},
		{"version", []string{"curl", "--version"}, []string{"--version"}, nil, ""},
	} {
		rec.runs = nil
		r := w.run("", tc.args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, r.code, r.errOut)
		}
		if !strings.Contains(r.errOut, tc.say) {
			t.Errorf("%s: stderr %q lacks %q", tc.name, r.errOut, tc.say)
		}
		if len(rec.runs) != 1 {
			t.Fatalf("%s: %d runs", tc.name, len(rec.runs))
		}
		run := rec.runs[0]
		if want := append([]string{"/usr/bin/curl", "-q"}, tc.argv...); !slices.Equal(run.argv, want) {
			t.Errorf("%s: argv %q, want %q", tc.name, run.argv, want)
		}
		if len(run.files) != len(tc.files) {
			t.Fatalf("%s: %d configs, want %d: %q", tc.name, len(run.files), len(tc.files), run.files)
		}
		for i, re := range tc.files {
			cfg := run.files[i]
			if !strings.HasPrefix(cfg, `noproxy = "127.0.0.1,localhost"`+"\n") || !regexp.MustCompile(re).MatchString(cfg) {
				t.Errorf("%s: config %d:\n%s\nwant noproxy and %s", tc.name, i, cfg, re)
			}
			if strings.Contains(strings.ToLower(cfg), "header") || strings.Contains(cfg, "Bearer") {
				t.Errorf("%s: config %d sends a header: %s", tc.name, i, cfg)
			}
		}
		if run.started != nil {
			t.Errorf("%s: session check: %v", tc.name, run.started)
		}
		for _, kv := range run.env {
			if strings.Contains(kv, "-value") || strings.HasPrefix(kv, "SESAME_PASSWORD=") {
				t.Errorf("%s: curl's environment has %s", tc.name, kv)
			}
		}
		for _, a := range run.argv {
			if regexp.MustCompile(`[A-Za-z0-9_-]{43}`).MatchString(a) {
				t.Errorf("%s: a capability in argv: %s", tc.name, a)
			}
		}
	}
}
