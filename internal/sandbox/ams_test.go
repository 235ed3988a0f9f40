package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/providers/providertest"
)

type amsTest struct {
	t     *testing.T
	fake  *AMS
	srv   *httptest.Server
	clock *providertest.Clock
}

func newAMSTest(t *testing.T) *amsTest {
	t.Helper()
	c := providertest.NewClock(time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC))
	fake := NewAMS(Options{Now: c.Now}) // default TTL: 30m idle
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &amsTest{t: t, fake: fake, srv: srv, clock: c}
}

type amsReply struct {
	status int
	header http.Header
	body   []byte
}

// rpcMessage is the detailMessage of an rpc exception body, or "".
func (r amsReply) rpcMessage() string {
	var e struct {
		Flag  bool `json:"__is_rpc_exception__"`
		Value struct {
			DetailMessage string `json:"detailMessage"`
		} `json:"value"`
	}
	if json.Unmarshal(r.body, &e) != nil || !e.Flag {
		return ""
	}
	return e.Value.DetailMessage
}

// do sends a request with X-APP-ID and a JSON Content-Type unless h says
// otherwise (an empty value removes a header).
func (a *amsTest) do(method, path string, h map[string]string, body string) amsReply {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("X-APP-ID", "sandbox-test")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return amsReply{status: resp.StatusCode, header: resp.Header, body: b}
}

const (
	amsStep1Path = "/sandbox/api/v2/application/getApplicationDescription"
	amsStep2Path = "/sandbox/api/v2/user/loginUser"
	amsStep1Body = `{"appName":"sandbox","currentDateOnClient":"30-04-2026 09:00"}`
)

func amsStep2Body(user, password string) string {
	b, _ := json.Marshal(map[string]any{
		"username": user, "password": password,
		"loginProperties": map[string]string{"appName": "sandbox", "clientTime": "2026-04-30T09:00"},
	})
	return string(b)
}

// step1 returns a fresh, not yet logged-in token.
func (a *amsTest) step1() string {
	a.t.Helper()
	r := a.do(http.MethodPost, amsStep1Path, nil, amsStep1Body)
	tok := r.header.Get("session-header")
	if r.status != http.StatusOK || tok == "" {
		a.t.Fatalf("step 1: HTTP %d, token %q: %s", r.status, tok, r.body)
	}
	return tok
}

func amsSessionHeaders(tok string) map[string]string {
	return map[string]string{"session-header": tok, "Cookie": "JSESSIONID=" + tok}
}

// login runs both steps and returns the session token.
func (a *amsTest) login() string {
	a.t.Helper()
	r := a.do(http.MethodPost, amsStep2Path, amsSessionHeaders(a.step1()), amsStep2Body(AMSUser, AMSPassword))
	tok := r.header.Get("session-header")
	if r.status != http.StatusOK || tok == "" || r.rpcMessage() != "" {
		a.t.Fatalf("loginUser: HTTP %d, token %q: %s", r.status, tok, r.body)
	}
	return tok
}

func TestAMSStep1(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		token                    bool
	}{
		{"ok", "POST", amsStep1Path, amsStep1Body, nil, 200, true},
		{"nosession app", "POST", "/nosession/api/v2/application/getApplicationDescription", `{"appName":"nosession","currentDateOnClient":"30-04-2026 09:00"}`, nil, 200, false},
		{"ISO date", "POST", amsStep1Path, `{"appName":"sandbox","currentDateOnClient":"2026-04-30T09:00"}`, nil, 400, false},
		{"seconds in date", "POST", amsStep1Path, `{"appName":"sandbox","currentDateOnClient":"30-04-2026 09:00:00"}`, nil, 400, false},
		{"other app name", "POST", amsStep1Path, `{"appName":"live","currentDateOnClient":"30-04-2026 09:00"}`, nil, 400, false},
		{"not JSON", "POST", amsStep1Path, `appName=sandbox`, nil, 400, false},
		{"form content type", "POST", amsStep1Path, amsStep1Body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, false},
		{"GET", "GET", amsStep1Path, "", nil, 405, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAMSTest(t)
			r := a.do(tc.method, tc.path, tc.header, tc.body)
			if r.status != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", r.status, tc.status, r.body)
			}
			tok := r.header.Get("session-header")
			if (tok != "") != tc.token {
				t.Fatalf("session-header = %q, want one: %v", tok, tc.token)
			}
			if tc.token {
				want := "JSESSIONID=" + tok + "; Path=/sandbox; HttpOnly"
				if c := r.header.Get("Set-Cookie"); c != want {
					t.Errorf("Set-Cookie = %q, want %q", c, want)
				}
			} else if c := r.header.Get("Set-Cookie"); c != "" {
				t.Errorf("Set-Cookie = %q without a token", c)
			}
			if a.fake.Get("step1") != 1 && tc.method == "POST" {
				t.Errorf("step1 counter = %d", a.fake.Get("step1"))
			}
		})
	}
}

func TestAMSStep2NeedsStep1Token(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header func(a *amsTest) map[string]string
		ok     bool
	}{
		{"both", func(a *amsTest) map[string]string { return amsSessionHeaders(a.step1()) }, true},
		// Real traffic: loginUser straight away, without step 1's token.
		{"no headers", func(a *amsTest) map[string]string { a.step1(); return nil }, true},
		{"session-header only", func(a *amsTest) map[string]string {
			return map[string]string{"session-header": a.step1()}
		}, false},
		{"cookie only", func(a *amsTest) map[string]string {
			return map[string]string{"Cookie": "JSESSIONID=" + a.step1()}
		}, false},
		{"cookie of another token", func(a *amsTest) map[string]string {
			one, two := a.step1(), a.step1()
			return map[string]string{"session-header": one, "Cookie": "JSESSIONID=" + two}
		}, false},
		{"unknown token", func(a *amsTest) map[string]string { return amsSessionHeaders("0123456789ABCDEF") }, false},
		{"logged-in token", func(a *amsTest) map[string]string { return amsSessionHeaders(a.login()) }, false},
		{"step 1 token gone idle", func(a *amsTest) map[string]string {
			tok := a.step1()
			a.clock.Advance(30 * time.Minute)
			return amsSessionHeaders(tok)
		}, false},
		{"step 1 token after Expire", func(a *amsTest) map[string]string {
			tok := a.step1()
			a.fake.Expire()
			return amsSessionHeaders(tok)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAMSTest(t)
			h := tc.header(a)
			before := a.fake.Logins()
			r := a.do(http.MethodPost, amsStep2Path, h, amsStep2Body(AMSUser, AMSPassword))
			if tc.ok {
				if r.status != 200 || r.rpcMessage() != "" || r.header.Get("session-header") == "" {
					t.Fatalf("HTTP %d: %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusUnauthorized || r.rpcMessage() == "" {
				t.Errorf("HTTP %d, want 401 with an rpc exception: %s", r.status, r.body)
			}
			if r.header.Get("session-header") != "" || a.fake.Logins() != before {
				t.Errorf("refused login still issued a session")
			}
		})
	}
}

func TestAMSLoginUser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		status     int
		refusal    string // substring of the rpc exception's detailMessage
	}{
		{"ok", amsStep2Body(AMSUser, AMSPassword), 200, ""},
		{"wrong password", amsStep2Body(AMSUser, "nope"), 200, "Invalid username or password"},
		{"unknown user", amsStep2Body("someone", AMSPassword), 200, "Invalid username or password"},
		{"mfa", amsStep2Body(AMSMFAUser, "anything"), 200, "exempted from MFA and SSO"},
		{"locked", amsStep2Body(AMSLockedUser, AMSPassword), 200, "locked"},
		{"bad clientTime", strings.Replace(amsStep2Body(AMSUser, AMSPassword), "2026-04-30T09:00", "30-04-2026 09:00", 1), 400, "clientTime"},
		{"other app", strings.Replace(amsStep2Body(AMSUser, AMSPassword), `"appName":"sandbox"`, `"appName":"live"`, 1), 400, "Unknown application"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAMSTest(t)
			first := a.step1()
			r := a.do(http.MethodPost, amsStep2Path, amsSessionHeaders(first), tc.body)
			if r.status != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.refusal != "" {
				if msg := r.rpcMessage(); !strings.Contains(msg, tc.refusal) {
					t.Errorf("detailMessage = %q, want %q", msg, tc.refusal)
				}
				if a.fake.Logins() != 0 || r.header.Get("session-header") != "" {
					t.Errorf("a refusal issued a session")
				}
				return
			}
			tok := r.header.Get("session-header")
			if tok == "" || tok == first {
				t.Fatalf("loginUser token = %q, want a new one (step 1: %q)", tok, first)
			}
			if c := r.header.Get("Set-Cookie"); c != "JSESSIONID="+tok+"; Path=/sandbox; HttpOnly" {
				t.Errorf("Set-Cookie = %q", c)
			}
			// The recorded real shape: skypeName nested under user.
			var out struct {
				ApplicationID *int `json:"applicationId"`
				User          struct {
					SkypeName string `json:"skypeName"`
					Username  string `json:"username"`
				} `json:"user"`
			}
			if err := json.Unmarshal(r.body, &out); err != nil || out.ApplicationID == nil || *out.ApplicationID != AMSApplicationID || out.User.SkypeName == "" || out.User.Username != AMSUser {
				t.Errorf("body = %s (%v)", r.body, err)
			}
			if a.fake.Logins() != 1 {
				t.Errorf("Logins = %d", a.fake.Logins())
			}
		})
	}
}

func TestAMSDataRoutes(t *testing.T) {
	t.Parallel()
	a := newAMSTest(t)
	for _, h := range []map[string]string{nil, amsSessionHeaders(a.step1()), amsSessionHeaders("NOPE")} {
		for _, path := range []string{"/sandbox/api/v2/forms", "/sandbox/api/v3/forms/7"} {
			r := a.do(http.MethodGet, path, h, "")
			if r.status != http.StatusUnauthorized || !strings.Contains(r.rpcMessage(), "log in again") {
				t.Errorf("%s with %v: HTTP %d %s, want 401", path, h, r.status, r.body)
			}
		}
	}

	tok := a.login()
	h := amsSessionHeaders(tok)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		r := a.do(m, "/sandbox/api/v3/forms", h, "")
		var echo struct{ Path, Method, User string }
		if r.status != 200 || json.Unmarshal(r.body, &echo) != nil || echo.Method != m || echo.User != AMSUser || echo.Path != "/sandbox/api/v3/forms" {
			t.Errorf("%s: HTTP %d %s", m, r.status, r.body)
		}
	}
	// The session is bound to its app and needs both headers.
	if r := a.do(http.MethodGet, "/nosession/api/v2/forms", h, ""); r.status != http.StatusUnauthorized {
		t.Errorf("session used on another app: HTTP %d", r.status)
	}
	if r := a.do(http.MethodGet, "/sandbox/api/v2/forms", map[string]string{"session-header": tok}, ""); r.status != http.StatusUnauthorized {
		t.Errorf("session-header without cookie: HTTP %d", r.status)
	}

	// Idle expiry: each use restarts the 30m clock.
	for i, step := range []struct {
		advance time.Duration
		status  int
	}{
		{29 * time.Minute, 200},
		{29 * time.Minute, 200},
		{30 * time.Minute, 401},
		{0, 401}, // gone for good
	} {
		a.clock.Advance(step.advance)
		if r := a.do(http.MethodGet, "/sandbox/api/v2/forms", h, ""); r.status != step.status {
			t.Fatalf("step %d (+%v): HTTP %d, want %d", i, step.advance, r.status, step.status)
		}
	}

	// Server-side expiry through the control route.
	h = amsSessionHeaders(a.login())
	if r := a.do(http.MethodGet, "/sandbox/api/v2/forms", h, ""); r.status != 200 {
		t.Fatalf("fresh session: HTTP %d", r.status)
	}
	if r := a.do(http.MethodPost, "/_sandbox/expire", nil, ""); r.status != http.StatusNoContent {
		t.Fatalf("expire: HTTP %d", r.status)
	}
	if r := a.do(http.MethodGet, "/sandbox/api/v2/forms", h, ""); r.status != http.StatusUnauthorized {
		t.Errorf("after expire: HTTP %d", r.status)
	}
	if n := a.fake.Get("missing_app_id"); n != 0 {
		t.Errorf("missing_app_id = %d", n)
	}
}

func TestAMSV1(t *testing.T) {
	t.Parallel()
	const authPath = "/sandbox/api/v1/userauthentication?informat=json&format=json"
	basic := func(user, pass string) map[string]string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return map[string]string{"Authorization": r.Header.Get("Authorization")}
	}
	body := func(user, pass string) string {
		b, _ := json.Marshal(map[string]string{"username": user, "password": pass})
		return string(b)
	}
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		logins             int64
		refusal            string
	}{
		{"login ok", "POST", authPath, basic(AMSUser, AMSPassword), body(AMSUser, AMSPassword), 200, 1, ""},
		{"wrong password", "POST", authPath, basic(AMSUser, "nope"), body(AMSUser, "nope"), 401, 0, "Invalid username or password"},
		{"mfa", "POST", authPath, basic(AMSMFAUser, AMSPassword), body(AMSMFAUser, AMSPassword), 401, 0, "MFA"},
		{"locked", "POST", authPath, basic(AMSLockedUser, AMSPassword), body(AMSLockedUser, AMSPassword), 401, 0, "locked"},
		{"no Basic", "POST", authPath, nil, body(AMSUser, AMSPassword), 401, 0, "Authentication required"},
		{"body for another user", "POST", authPath, basic(AMSUser, AMSPassword), body("other", "x"), 400, 0, "request body"},
		{"no format query", "POST", "/sandbox/api/v1/userauthentication", basic(AMSUser, AMSPassword), body(AMSUser, AMSPassword), 400, 0, "format=json"},
		{"data ok", "POST", "/sandbox/api/v1/eventsearch?informat=json&format=json", basic(AMSUser, AMSPassword), `{}`, 200, 0, ""},
		{"data GET ok", "GET", "/sandbox/api/v1/currentuser?informat=json&format=json", basic(AMSUser, AMSPassword), "", 200, 0, ""},
		{"data without Basic", "POST", "/sandbox/api/v1/eventsearch?informat=json&format=json", nil, `{}`, 401, 0, ""},
		{"data wrong password", "GET", "/sandbox/api/v1/currentuser", basic(AMSUser, "nope"), "", 401, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAMSTest(t)
			r := a.do(tc.method, tc.path, tc.header, tc.body)
			if r.status != tc.status {
				t.Fatalf("HTTP %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if msg := r.rpcMessage(); tc.refusal != "" && !strings.Contains(msg, tc.refusal) {
				t.Errorf("detailMessage = %q, want %q", msg, tc.refusal)
			}
			if a.fake.Logins() != tc.logins {
				t.Errorf("Logins = %d, want %d", a.fake.Logins(), tc.logins)
			}
		})
	}
}

func TestAMSEndpoints(t *testing.T) {
	t.Parallel()
	a := newAMSTest(t)
	r := a.do(http.MethodGet, "/sandbox/api/v3/endpoints?version=v1", nil, "")
	var out map[string]struct{ Path string }
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil || out["get_event"].Path == "" {
		t.Errorf("endpoints: HTTP %d %s", r.status, r.body)
	}
}

func TestAMSNotFound(t *testing.T) {
	t.Parallel()
	a := newAMSTest(t)
	for _, path := range []string{"/", "/live/api/v2/application/getApplicationDescription", "/sandbox/", "/sandbox/api/v4/x", "/sandbox/<script>"} {
		r := a.do(http.MethodPost, path, nil, amsStep1Body)
		if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || strings.Contains(string(r.body), "<script>") {
			t.Errorf("%s: HTTP %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}

func TestAMSCountsMissingAppID(t *testing.T) {
	t.Parallel()
	a := newAMSTest(t)
	a.do(http.MethodGet, "/sandbox/api/v3/endpoints?version=v1", nil, "")
	a.do(http.MethodGet, "/_sandbox/stats", map[string]string{"X-APP-ID": ""}, "")
	if n := a.fake.Get("missing_app_id"); n != 0 {
		t.Fatalf("missing_app_id = %d, want 0", n)
	}
	a.do(http.MethodGet, "/sandbox/api/v3/endpoints?version=v1", map[string]string{"X-APP-ID": ""}, "")
	a.do(http.MethodPost, amsStep1Path, map[string]string{"X-APP-ID": ""}, amsStep1Body)
	if n := a.fake.Get("missing_app_id"); n != 2 {
		t.Errorf("missing_app_id = %d, want 2", n)
	}
	r := a.do(http.MethodGet, "/_sandbox/stats", nil, "")
	var stats map[string]int64
	if json.Unmarshal(r.body, &stats) != nil || stats["missing_app_id"] != 2 || stats["step1"] != 1 {
		t.Errorf("stats = %s", r.body)
	}
}

func TestAMSRegistered(t *testing.T) {
	t.Parallel()
	v, err := New("ams", Options{})
	if err != nil || v.Name() != "ams" {
		t.Fatalf("New(ams) = %v, %v", v, err)
	}
	if !slices.Contains(Names(), "ams") {
		t.Errorf("Names() = %v", Names())
	}
	var refusing, modes []string
	for _, acc := range v.Accounts() {
		if acc.Refusing {
			refusing = append(refusing, acc.User)
		} else {
			modes = append(modes, acc.Mode)
		}
	}
	slices.Sort(refusing)
	slices.Sort(modes)
	if !slices.Equal(refusing, []string{AMSLockedUser, AMSMFAUser}) || !slices.Equal(modes, []string{"v1", "v2"}) {
		t.Errorf("Accounts = %+v", v.Accounts())
	}
}
