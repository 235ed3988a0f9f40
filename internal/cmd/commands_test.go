package cmd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

func TestLoginTokenStatusLogout(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	url := w.sandbox("tdx", sandbox.Options{})
	r := w.ok(sandbox.TDXPassword, "login", "tdx", "--url", url, "--username", sandbox.TDXUser, "--password-stdin")
	contains(t, "login", r.errOut, "Logged in to "+url+" as alice (profile tdx, user mode, store memory, secret saved for renewal); session valid until")
	if r.out != "" {
		t.Errorf("login wrote to stdout: %q", r.out)
	}

	tok := strings.TrimSpace(w.ok("", "token", "show").out)
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("token show: %q is not a JWT", tok)
	}
	for _, tc := range []struct{ format, want string }{
		{"raw", tok + "\n"},
		{"header", "Authorization: Bearer " + tok + "\n"},
		{"curl", `header = "Authorization: Bearer ` + tok + "\"\n"},
	} {
		if got := w.ok("", "token", "show", "--format", tc.format).out; got != tc.want {
			t.Errorf("--format %s: %q, want %q", tc.format, got, tc.want)
		}
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(w.ok("", "token", "show", "tdx", "--format", "json").out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["token"] != tok || doc["provider"] != "tdx" || doc["base_url"] != url+"/TDWebApi" || doc["expires_at"] == nil {
		t.Errorf("--format json: %v", doc)
	}

	r = w.ok("", "status")
	contains(t, "status", r.out, "tdx", "alice", "valid")
	r = w.ok("", "status", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 || rows[0]["state"] != "valid" || rows[0]["store"] != "memory" {
		t.Errorf("status --json: %v %s", err, r.out)
	}

	r = w.ok("", "env")
	contains(t, "env", r.out, "TDX_TOKEN=", "TDX_BASE_URL=", "TDX_AUTH_HEADER=", "TDX_EXPIRES_AT=")
	r = w.ok("", "env", "--shell", "fish")
	contains(t, "env --shell fish", r.out, "set -gx TDX_TOKEN")

	r = w.ok("", "logout", "tdx")
	if r := w.run("", "token", "show"); r.code != clierr.NoSession {
		t.Errorf("token show after logout: exit %d %s", r.code, r.errOut)
	}
}

func TestTokenShowRenewsAfterExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.loginTDX()
	first := w.ok("", "token", "show").out
	w.clock.Advance(25 * time.Hour)
	if r := w.run("", "token", "show", "--no-renew"); r.code != clierr.NoSession || !strings.Contains(r.errOut, "--no-renew") {
		t.Errorf("--no-renew on an expired session: exit %d %s", r.code, r.errOut)
	}
	if second := w.ok("", "token", "show").out; second == first {
		t.Error("the expired token was handed out again")
	}
	if r := w.run("", "token", "show", "--min-valid", "48h"); r.code != clierr.Usage {
		t.Errorf("--min-valid longer than a session: exit %d %s", r.code, r.errOut)
	}
}

func TestLoginErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	url := w.sandbox("tdx", sandbox.Options{})
	for _, tc := range []struct {
		name  string
		in    string
		args  []string
		code  int
		wants []string
	}{
		{"wrong password", "nope", []string{"login", "tdx", "--url", url, "--username", sandbox.TDXUser, "--password-stdin"}, clierr.Rejected, nil},
		{"no url", "x", []string{"login", "tdx", "--username", "a", "--password-stdin"}, clierr.Usage, []string{"needs --url"}},
		{"userinfo in url", "x", []string{"login", "tdx", "--url", "https://bob:pw@example.com", "--username", "a", "--password-stdin"}, clierr.Usage, []string{"must not carry a user name or password"}},
		{"admin without beid", "x", []string{"login", "tdx", "--url", url, "--admin", "--key-stdin"}, clierr.Usage, []string{"--admin needs --beid"}},
		{"beid without admin", "x", []string{"login", "tdx", "--url", url, "--beid", "b"}, clierr.Usage, []string{"--beid goes with --admin"}},
		{"empty stdin", "", []string{"login", "tdx", "--url", url, "--username", "a", "--password-stdin"}, clierr.Usage, []string{"stdin was empty"}},
		{"no terminal", "", []string{"login", "tdx", "--url", url, "--username", "a"}, clierr.Usage, []string{"no password given and no terminal"}},
		{"too long", strings.Repeat("x", 65<<10), []string{"login", "tdx", "--url", url, "--username", "a", "--password-stdin"}, clierr.Usage, []string{"longer than 64 KiB"}},
		{"ams bad api", "x", []string{"login", "ams", "--url", url, "--username", "a", "--api", "v9"}, clierr.Usage, []string{`--api "v9": want v1, v2 or v3`}},
		{"ym bad client id", "x", []string{"login", "ym", "--client-id", "abc", "--username", "a"}, clierr.Usage, []string{"want a whole number"}},
		{"ym bad device", "x", []string{"login", "ym", "--device", "fax", "--username", "a"}, clierr.Usage, []string{"want desktop, ios or android"}},
		{"ym bad include", "x", []string{"login", "ym", "--include", "x", "--username", "a"}, clierr.Usage, []string{"comma list"}},
		{"ym bad user type", "x", []string{"login", "ym", "--user-type", "root", "--username", "a"}, clierr.Usage, []string{"want admin, member or anonymous"}},
		{"ym bad login field", "x", []string{"login", "ym", "--login-field", "phone", "--username", "a"}, clierr.Usage, []string{"want username or email"}},
		{"ym access token without consumer", "x", []string{"login", "ym", "--access-token-stdin", "--username", "a"}, clierr.Usage, []string{"goes with a consumer login"}},
		{"ym two stdin secrets", "x", []string{"login", "ym", "--consumer-key", "k", "--access-token-stdin", "--secret-stdin"}, clierr.Usage, []string{"stdin can carry one secret"}},
		{"unknown provider", "x", []string{"login", "zzz"}, clierr.Usage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.run(tc.in, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.errOut)
			}
			contains(t, "stderr", r.errOut, tc.wants...)
			if strings.Contains(r.errOut, "nope") {
				t.Errorf("the secret is quoted: %s", r.errOut)
			}
		})
	}
}

func TestLoginOtherVendors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ams := w.sandbox("ams", sandbox.Options{})
	ym := w.sandbox("ym", sandbox.Options{})
	w.env["SESAME_PASSWORD"] = sandbox.AMSPassword
	r := w.ok("", "-p", "club", "login", "ams", "--url", ams, "--username", sandbox.AMSUser, "--api", "v3", "--app-id", "t.test")
	contains(t, "ams login", r.errOut, "profile club, v3 mode")
	delete(w.env, "SESAME_PASSWORD")
	contains(t, "ams env", w.ok("", "env", "club").out, "AMS_SESSION_HEADER=", "AMS_APP_ID='t.test'")

	w.ok(sandbox.YMPassword, "login", "ym", "--url", ym, "--client-id", "31337", "--email", sandbox.YMEmail, "--password-stdin")
	w.ok(sandbox.YMConsumerSecret, "-p", "cons", "login", "ym", "--url", ym, "--client-id", "31337", "--consumer-key", sandbox.YMConsumerKey, "--secret-stdin")
	r = w.ok(sandbox.YMExchangeToken, "-p", "xt", "login", "ym", "--url", ym, "--client-id", "31337", "--token", "--token-stdin")
	contains(t, "ym token login", r.errOut, "exchange token not saved: it is single-use")
	contains(t, "ym header", w.ok("", "token", "show", "ym", "--format", "header").out, "X-SS-ID: ")
	r = w.ok("", "status")
	contains(t, "status", r.out, "club", "cons", "xt", "ym")
}

func TestProfileCommands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.loginTDX()
	contains(t, "profile list", w.ok("", "profile", "list").out, "tdx")
	w.ok("", "profile", "use", "tdx")
	if r := w.run("", "profile", "use", "nope"); r.code == 0 {
		t.Error("profile use of an unknown profile succeeded")
	}
	if r := w.run("", "-p", "a", "token", "show", "b"); r.code != clierr.Usage || !strings.Contains(r.errOut, "two profiles given") {
		t.Errorf("two profiles: exit %d %s", r.code, r.errOut)
	}
	w.ok("", "profile", "rm", "tdx")
	if r := w.run("", "token", "show"); r.code == 0 {
		t.Error("token show after profile rm succeeded")
	}
}

func TestDoctorAndVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.loginTDX()
	r := w.run("", "doctor")
	contains(t, "doctor", r.out+r.errOut, "memory (SESAME_STORE)", "tdx")
	r = w.run("", "doctor", "--json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Errorf("doctor --json: %v\n%s", err, r.out)
	}
	contains(t, "version", w.ok("", "version").out, "sesame version ")
	if v, flag := w.ok("", "version").out, w.ok("", "--version").out; v != flag {
		t.Errorf("sesame version says %q, sesame --version %q", v, flag)
	}
	contains(t, "completion", w.ok("", "completion", "bash").out, "__start_sesame")
	contains(t, "help", w.ok("", "--help").out, "login", "token", "status")
}
