package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

func TestAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	url := w.loginTDX()
	r := w.ok("", "api", "/api/auth/getuser")
	contains(t, "api", r.out, `"UserName":"alice"`)

	body := filepath.Join(w.dir, "body.json")
	if err := os.WriteFile(body, []byte(`{"x":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   string
		args []string
		code int
		want string
	}{
		{"foreign origin", "", []string{"api", "https://example.com/x"}, clierr.Usage, "is not on the profile's origin"},
		{"HTTP 404 exits 7", "", []string{"api", "nothing-here"}, 7, "HTTP 404"},
		{"paginate is YM's", "", []string{"api", "--paginate", "/api/auth/getuser"}, clierr.Usage, "--paginate"},
		{"POST from a file", "", []string{"api", "-X", "POST", "--input", body, "-H", "X-Test: 1", "/api/auth/getuser"}, -1, ""},
		{"body from stdin", `{"y":2}`, []string{"api", "--input", "-", "/api/auth/getuser"}, -1, ""},
		{"bad header", "", []string{"api", "-H", "nocolon", "/api/auth/getuser"}, clierr.Usage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.run(tc.in, tc.args...)
			if tc.code >= 0 && r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.errOut)
			}
			contains(t, "stderr", r.errOut, tc.want)
		})
	}
	_ = url
	// An expired session is renewed once, and the request repeated.
	w.clock.Advance(25 * time.Hour)
	contains(t, "api after expiry", w.ok("", "api", "/api/auth/getuser").out, `"UserName":"alice"`)
	if r := w.run("", "api", "--no-renew", "/api/auth/getuser"); r.code == 0 {
		w.clock.Advance(25 * time.Hour)
		if r := w.run("", "api", "--no-renew", "/api/auth/getuser"); r.code != clierr.NoSession {
			t.Errorf("--no-renew on an expired session: exit %d %s", r.code, r.errOut)
		}
	}
}

func TestCurl(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the curl testscripts cover curl.exe")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	w := newWorld(t)
	w.env["PATH"] = os.Getenv("PATH")
	url := w.loginTDX()
	r := w.ok("", "curl", "-sS", "/api/auth/getuser")
	contains(t, "curl relative", r.out, `"UserName":"alice"`)
	r = w.ok("", "curl", "-sS", url+"/TDWebApi/api/auth/getuser")
	contains(t, "curl absolute", r.out, `"UserName":"alice"`)
	r = w.run("", "curl", "-sS", "--max-time", "2", "http://127.0.0.1:1/x")
	contains(t, "curl foreign", r.errOut, "curl sends it nothing of sesame's")
	if strings.Contains(r.out+r.errOut, "Bearer") {
		t.Errorf("a foreign origin saw the session:\n%s%s", r.out, r.errOut)
	}
	if r := w.run("", "-p", "nope", "curl", "-sS", "/x"); r.code == 0 {
		t.Errorf("curl with an unknown profile: exit 0")
	}
}

func TestProxyRunsACommand(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	w := newWorld(t)
	w.env["PATH"] = os.Getenv("PATH")
	w.loginTDX()
	r := w.ok("", "proxy", "tdx", "--allow-method", "GET", "--", "sh", "-c", `curl -sS -H "Authorization: Bearer $SESAME_PROXY_TOKEN" "$TDX_BASE_URL/api/auth/getuser"`)
	contains(t, "proxy -- curl", r.out, `"UserName":"alice"`)
	if r := w.run("", "proxy", "tdx", "--listen", "0.0.0.0:0", "--", "true"); r.code != clierr.Usage {
		t.Errorf("--listen on every interface: exit %d %s", r.code, r.errOut)
	}
}

func TestFlagErrorsTeach(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"login", "tdx", "--password", "hunter2"}, []string{"sesame takes no password on its command line", "--password-stdin"}},
		{[]string{"login", "ym", "--secret", "abc"}, []string{"takes no secret", "--secret-stdin"}},
		{[]string{"login", "tdx", "--usernme", "a"}, []string{"Did you mean --username?"}},
		{[]string{"exec", "-x"}, []string{"put -- before the command"}},
		{[]string{"token", "show", "--format"}, []string{"flag needs an argument"}},
	} {
		r := w.run("", tc.args...)
		if r.code != clierr.Usage {
			t.Errorf("%q: exit %d, want 2: %s", tc.args, r.code, r.errOut)
		}
		contains(t, strings.Join(tc.args, " "), r.errOut, tc.wants...)
		if strings.Contains(r.errOut, "hunter2") {
			t.Errorf("%q: the secret is echoed: %s", tc.args, r.errOut)
		}
	}
}

func TestDocsAndSandboxLines(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, kind := range []string{"man", "markdown"} {
		dir := filepath.Join(w.dir, kind)
		r := w.run("", "docs", kind, dir)
		if r.code != 0 {
			if strings.Contains(r.errOut, "unknown command") || strings.Contains(r.errOut, "nodocs") {
				t.Skip("built without docs")
			}
			t.Fatalf("docs %s: exit %d %s", kind, r.code, r.errOut)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) < 10 {
			t.Errorf("docs %s wrote %d pages", kind, len(entries))
		}
	}

	served, stop, err := sandbox.Serve("127.0.0.1:0", sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var b bytes.Buffer
	printSandbox(&b, served)
	contains(t, "sandbox", b.String(),
		"sesame login tdx --url http://127.0.0.1:",
		"--admin --beid "+sandbox.TDXBEID+" --key-stdin",
		"--api v1 --username "+sandbox.AMSUser+" --password-stdin",
		"--consumer-key "+sandbox.YMConsumerKey+" --secret-stdin",
		"--token --token-stdin",
		"--user-type admin --username "+sandbox.YMAPIKey)
}

func TestStatusOnATerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.loginTDX()
	w.env["COLUMNS"] = "60"
	r := w.ok("", "status")
	contains(t, "narrow status", r.out, "tdx")
	w.clock.Advance(25 * time.Hour)
	r = w.ok("", "status")
	contains(t, "expired status", r.out, "expired")
	r = w.run("", "status", "tdx")
	if r.code != 0 {
		t.Errorf("status PROFILE of an expired session with a saved secret: exit %d", r.code)
	}
	if r := w.run("", "--store", "nonsense", "status"); r.code != clierr.Usage {
		t.Errorf("--store nonsense: exit %d %s", r.code, r.errOut)
	}
}
