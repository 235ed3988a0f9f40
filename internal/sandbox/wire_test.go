package sandbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/providers/tdx"
	"github.com/sesame-cli/sesame/internal/providers/ym"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/transport"
)

// wireFixture is one testdata/wire/VENDOR/NAME.json (see its README).
type wireFixture struct {
	Source  []string `json:"source"`
	Note    string   `json:"note"`
	At      string   `json:"at"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"response"`
	Fake struct {
		RateLimited   int  `json:"rate_limited"`
		RPCSessionEnd bool `json:"rpc_session_end"`
		// Login makes the fake issue a session first, put in for
		// {{session}}; DataLimit and DataLimited set its data rate limit.
		Login       bool `json:"login"`
		DataLimit   int  `json:"data_limit"`
		DataLimited int  `json:"data_limited"`
	} `json:"fake"`
	Shape struct {
		Body      string   `json:"body"`
		Headers   []string `json:"headers"`
		ResetDate bool     `json:"reset_date"`
		// Claims: the fake's JWT carries the fixture JWT's claims, in
		// its order, of the same JSON types, with the same exp − nbf.
		Claims bool `json:"claims"`
	} `json:"shape"`
	AdapterAnyRequest bool   `json:"adapter_any_request"`
	Secret            string `json:"secret"`
	AccessToken       string `json:"access_token"`
	Expect            struct {
		Login        bool              `json:"login"`
		User         string            `json:"user"`
		Token        string            `json:"token"`
		Fields       map[string]string `json:"fields"`
		SecretFields map[string]string `json:"secret_fields"`
		RateLimit    string            `json:"rate_limit"`
		Exit         int               `json:"exit"`
		Contains     string            `json:"contains"`
		AuthError    bool              `json:"auth_error"`
		FirstWait    string            `json:"first_wait"`
		// AnswerError: the provider's Info.AnswerError reads the answer
		// as a failure whose words contain this.
		AnswerError string `json:"answer_error"`
		// Data marks a data call whose answer the provider's rate-limit
		// dialect reads: Method is the budget it counts under, FirstWait
		// the wait a "slow down" answer asks for, RateLimit limit/remaining.
		Data   bool   `json:"data"`
		Method string `json:"method"`
	} `json:"expect"`
}

// placeholders are the values put in for {{…}}: the adapter's made-up
// account, or the fake's test account.
type placeholders map[string]string

func (p placeholders) fill(s string) string {
	for k, v := range p {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

func adapterValues() placeholders {
	p := placeholders{
		"user": "jane.doe", "password": "pw-public-1", "app": "club", "client_id": "31337",
		"consumer_key": "ck-public", "consumer_secret": "cs-public", "token": "TOKEN0UNKNOWN0001", "session": "SESSION0PUBLIC01",
	}
	p["basic"] = base64.StdEncoding.EncodeToString([]byte(p["user"] + ":" + p["password"]))
	return p
}

func fakeValues(vendor string) placeholders {
	p := placeholders{"token": "TOKEN0UNKNOWN0001", "client_id": strconv.Itoa(sandbox.YMClientID),
		"consumer_key": sandbox.YMConsumerKey, "consumer_secret": sandbox.YMConsumerSecret, "app": sandbox.AMSApp}
	switch vendor {
	case "tdx":
		p["user"], p["password"] = sandbox.TDXUser, sandbox.TDXPassword
	case "ams":
		p["user"], p["password"] = sandbox.AMSUser, sandbox.AMSPassword
	case "ym":
		p["user"], p["password"] = sandbox.YMUser, sandbox.YMPassword
	}
	p["basic"] = base64.StdEncoding.EncodeToString([]byte(p["user"] + ":" + p["password"]))
	return p
}

func loadWire(t *testing.T) map[string]*wireFixture {
	t.Helper()
	files, err := filepath.Glob("../../testdata/wire/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no wire fixtures (%v)", err)
	}
	out := map[string]*wireFixture{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w wireFixture
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(w.Source) == 0 || w.Note == "" {
			t.Fatalf("%s names no source or has no note", f)
		}
		out[filepath.Base(filepath.Dir(f))+"/"+strings.TrimSuffix(filepath.Base(f), ".json")] = &w
	}
	return out
}

// TestWireFixtures replays every public wire fixture against the adapter
// and against the sandbox fake.
func TestWireFixtures(t *testing.T) {
	t.Parallel()
	for name, w := range loadWire(t) {
		vendor, _, _ := strings.Cut(name, "/")
		t.Run(name+"/adapter", func(t *testing.T) {
			t.Parallel()
			replayAdapter(t, vendor, w)
		})
		t.Run(name+"/fake", func(t *testing.T) {
			t.Parallel()
			replayFake(t, vendor, w)
		})
	}
}

func provider(vendor string) providers.Provider {
	switch vendor {
	case "tdx":
		return tdx.New()
	case "ams":
		return ams.New()
	}
	return ym.New()
}

func replayAdapter(t *testing.T, vendor string, w *wireFixture) {
	v := adapterValues()
	pr := provider(vendor)
	if w.Expect.AnswerError != "" {
		f := pr.Info().AnswerError
		if f == nil {
			t.Fatalf("%s has no Info.AnswerError", vendor)
		}
		if got := f(w.Response.Status, []byte(v.fill(w.Response.Body))); !strings.Contains(got, w.Expect.AnswerError) {
			t.Fatalf("AnswerError = %q, want it to say %q", got, w.Expect.AnswerError)
		}
		return
	}
	if w.Expect.AuthError {
		checkDataCall(t, vendor, pr, w, v)
		return
	}
	if w.Expect.Data {
		checkDialect(t, pr, w, v)
		return
	}
	var mu sync.Mutex
	var matched bool
	var mismatch []string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != v.fill(w.Request.Path) {
			http.NotFound(rw, r) // e.g. AMS step 1: nothing public records it
			return
		}
		mu.Lock()
		if why := requestMismatch(w, v, r, body); why != "" && !w.AdapterAnyRequest {
			mismatch = append(mismatch, why)
		} else {
			matched = true
		}
		mu.Unlock()
		for k, val := range w.Response.Headers {
			rw.Header().Add(k, v.fill(val))
		}
		rw.WriteHeader(w.Response.Status)
		io.WriteString(rw, v.fill(w.Response.Body))
	}))
	t.Cleanup(srv.Close)

	at, err := time.Parse(time.RFC3339, w.At)
	if err != nil {
		t.Fatalf("at: %v", err)
	}
	var clockMu sync.Mutex
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return at }
	var waits []time.Duration
	hc, err := transport.New(transport.Options{
		Timeout: 5 * time.Second,
		Now:     now,
		Sleep: func(_ context.Context, d time.Duration) error {
			clockMu.Lock()
			defer clockMu.Unlock()
			waits = append(waits, d)
			at = at.Add(d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, secret := adapterProfile(vendor, srv.URL, w, v)
	s, err := pr.Login(context.Background(), &providers.Env{HTTP: hc, Now: now}, p, secret)
	mu.Lock()
	defer mu.Unlock()
	if len(mismatch) > 0 {
		t.Errorf("the adapter's request does not match the fixture's: %s", strings.Join(mismatch, "; "))
	}
	if !matched {
		t.Errorf("the adapter never sent the fixture's request")
	}
	e := w.Expect
	if !e.Login {
		if s != nil || clierr.Code(err) != e.Exit || !strings.Contains(err.Error(), e.Contains) {
			t.Fatalf("Login = %v, %v (exit %d); want exit %d saying %q", s, err, clierr.Code(err), e.Exit, e.Contains)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the secret: %v", err)
		}
		if e.FirstWait != "" && (len(waits) == 0 || waits[0].String() != e.FirstWait) {
			t.Errorf("waits %v, want the first to be %s", waits, e.FirstWait)
		}
		return
	}
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if e.User != "" && s.User != e.User {
		t.Errorf("User = %q, want %q", s.User, e.User)
	}
	if e.Token != "" && s.Token != e.Token {
		t.Errorf("Token = %q, want %q", s.Token, e.Token)
	}
	for k, want := range e.Fields {
		if s.Fields[k] != want {
			t.Errorf("Fields[%s] = %q, want %q", k, s.Fields[k], want)
		}
	}
	for k, want := range e.SecretFields {
		if s.SecretFields[k] != want {
			t.Errorf("SecretFields[%s] = %q, want %q", k, s.SecretFields[k], want)
		}
	}
	if e.RateLimit != "" && (s.RateLimit == nil || s.RateLimit.Limit+"/"+s.RateLimit.Remaining != e.RateLimit || s.RateLimit.Reset.IsZero()) {
		t.Errorf("RateLimit = %+v, want %s with a reset", s.RateLimit, e.RateLimit)
	}
}

func adapterProfile(vendor, url string, w *wireFixture, v placeholders) (*config.Profile, string) {
	secret := v["password"]
	if w.Secret != "" {
		secret = w.Secret
	}
	switch vendor {
	case "tdx":
		// A fixture of the sandbox API: the profile URL names its folder.
		if folder, _, _ := strings.Cut(strings.TrimPrefix(w.Request.Path, "/"), "/"); folder == tdx.SandboxFolder {
			url += "/" + folder
		}
		return &config.Profile{Name: "w", Provider: "tdx", URL: url, Mode: tdx.ModeUser, Username: v["user"]}, secret
	case "ams":
		return &config.Profile{Name: "w", Provider: "ams", URL: url + "/" + v["app"], Mode: ams.ModeV2, Username: v["user"]}, secret
	}
	opts := map[string]string{ym.OptClientID: v["client_id"]}
	if strings.Contains(w.Request.Body, "ConsumerKey") {
		secret = v["consumer_secret"]
		if w.AccessToken != "" {
			secret += ym.SecretSeparator + w.AccessToken
		}
		return &config.Profile{Name: "w", Provider: "ym", URL: url, Mode: ym.ModeConsumer, Username: v["consumer_key"], Options: opts}, secret
	}
	return &config.Profile{Name: "w", Provider: "ym", URL: url, Mode: ym.ModeMember, Username: v["user"], Options: opts}, secret
}

// requestMismatch says how r differs from the fixture's request, or "".
func requestMismatch(w *wireFixture, v placeholders, r *http.Request, body []byte) string {
	var why []string
	if r.Method != w.Request.Method {
		why = append(why, "method "+r.Method)
	}
	for k, want := range w.Request.Headers {
		got := r.Header.Get(k)
		if (want == "*" && got == "") || (want != "*" && got != v.fill(want)) {
			why = append(why, k+": "+strconv.Quote(got)+", want "+strconv.Quote(v.fill(want)))
		}
	}
	if w.Request.Body != "" {
		var got, want any
		if json.Unmarshal(body, &got) != nil || json.Unmarshal([]byte(v.fill(w.Request.Body)), &want) != nil || !reflect.DeepEqual(got, want) {
			why = append(why, "body "+string(body)+", want "+v.fill(w.Request.Body))
		}
	}
	return strings.Join(why, ", ")
}

// checkDataCall: the provider's headers for a session are the fixture's
// (the ones that carry the session, and no others), and the provider
// reads the fixture's answer as "log in again".
func checkDataCall(t *testing.T, vendor string, pr providers.Provider, w *wireFixture, v placeholders) {
	p, _ := adapterProfile(vendor, "https://vendor.example", w, v)
	s := &providers.Session{Provider: vendor, Mode: p.Mode, Token: v["token"],
		SecretFields: map[string]string{"bearer_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}}
	got := map[string]string{}
	for _, h := range pr.Headers(p, s) {
		got[http.CanonicalHeaderKey(h.Name)] = h.Value
	}
	for _, name := range []string{"Authorization", "Cookie", "Session-Header", "X-Ss-Id"} {
		want, in := "", false
		for k, val := range w.Request.Headers {
			if http.CanonicalHeaderKey(k) == name {
				want, in = v.fill(val), true
			}
		}
		if g, ok := got[name]; ok != in || g != want {
			t.Errorf("provider header %s = %q (sent %v), the fixture's client sends %q (%v)", name, g, ok, want, in)
		}
	}
	h := http.Header{}
	for k, val := range w.Response.Headers {
		h.Set(k, val)
	}
	if !pr.IsAuthError(w.Response.Status, h, []byte(w.Response.Body)) {
		t.Errorf("IsAuthError(HTTP %d, %s) = false: an ended session would be handed to the caller", w.Response.Status, w.Response.Body)
	}
}

// checkDialect: the provider's rate-limit dialect groups the fixture's
// request into the expected method, reads its budget headers, and waits
// what its "slow down" answer asks for before sending again.
func checkDialect(t *testing.T, pr providers.Provider, w *wireFixture, v placeholders) {
	d := pr.Info().RateLimit
	at, err := time.Parse(time.RFC3339, w.At)
	if err != nil {
		t.Fatalf("at: %v", err)
	}
	path := v.fill(w.Request.Path)
	if base := basePath(pr); base != "" {
		path = strings.TrimPrefix(path, base)
	}
	if got := d.Key(w.Request.Method, path); got != w.Expect.Method {
		t.Errorf("method %q, want %q", got, w.Expect.Method)
	}
	h := http.Header{}
	for k, val := range w.Response.Headers {
		h.Set(k, val)
	}
	slow := d.Slow(w.Response.Status, h)
	if slow != (w.Expect.FirstWait != "") {
		t.Fatalf("HTTP %d read as slow down: %v", w.Response.Status, slow)
	}
	if slow {
		if wait, _, _ := d.RetryWait(0, h, at); wait.String() != w.Expect.FirstWait {
			t.Errorf("wait %s, want %s", wait, w.Expect.FirstWait)
		}
	}
	if w.Expect.RateLimit != "" {
		o := d.Read(h)
		if got := strconv.Itoa(o.Limit) + "/" + strconv.Itoa(o.Remaining); got != w.Expect.RateLimit || o.Reset.IsZero() {
			t.Errorf("budget %s (reset %s), want %s with a reset", got, o.Reset, w.Expect.RateLimit)
		}
	}
}

// basePath is the API base path the provider puts before its methods.
func basePath(pr providers.Provider) string {
	switch pr.Name() {
	case "tdx":
		return "/TDWebApi"
	case "ym":
		return "/Ams/" + adapterValues()["client_id"]
	}
	return ""
}

// fakeSession logs in to the fake with its test account and returns the
// session token a data call carries.
func fakeSession(t *testing.T, vendor, base string) string {
	t.Helper()
	var req *http.Request
	switch vendor {
	case "tdx":
		req, _ = http.NewRequest("POST", base+"/TDWebApi/api/auth/login", strings.NewReader(`{"username":"`+sandbox.TDXUser+`","password":"`+sandbox.TDXPassword+`"}`))
	case "ym":
		req, _ = http.NewRequest("POST", base+"/Ams/Authenticate", strings.NewReader(`{"provider":"credentials","Username":"`+sandbox.YMUser+`","Password":"`+sandbox.YMPassword+`","ClientID":`+strconv.Itoa(sandbox.YMClientID)+`,"UserType":"Member"}`))
		req.Header.Set("Accept", "application/json")
	default:
		t.Fatalf("no session login for %s", vendor)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("fake login: HTTP %d %s", resp.StatusCode, b)
	}
	if vendor == "tdx" {
		return strings.TrimSpace(string(b))
	}
	var out struct{ SessionId string }
	_ = json.Unmarshal(b, &out)
	return out.SessionId
}

var jwtRE = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

func replayFake(t *testing.T, vendor string, w *wireFixture) {
	v := fakeValues(vendor)
	fake, err := sandbox.New(vendor, sandbox.Options{RateLimited: w.Fake.RateLimited, RPCSessionEnd: w.Fake.RPCSessionEnd,
		DataLimit: w.Fake.DataLimit, DataLimited: w.Fake.DataLimited})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	if w.Fake.Login || strings.Contains(w.Request.Headers["X-SS-ID"], "{{session}}") {
		v["session"] = fakeSession(t, vendor, srv.URL)
	}
	req, err := http.NewRequest(w.Request.Method, srv.URL+v.fill(w.Request.Path), strings.NewReader(v.fill(w.Request.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range w.Request.Headers {
		if val == "*" && http.CanonicalHeaderKey(k) == "Authorization" {
			val = "Basic {{basic}}"
		}
		req.Header.Set(k, v.fill(val))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != w.Response.Status {
		t.Fatalf("fake answered HTTP %d, the vendor %d: %s", resp.StatusCode, w.Response.Status, body)
	}
	wantMT, _, _ := mime.ParseMediaType(w.Response.Headers["Content-Type"])
	gotMT, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if wantMT != gotMT {
		t.Errorf("fake's media type %q, the vendor's %q", gotMT, wantMT)
	}
	for _, h := range w.Shape.Headers {
		got := resp.Header.Get(h)
		if got == "" {
			t.Errorf("fake's answer lacks %s", h)
		}
		if want := w.Response.Headers[h]; strings.HasPrefix(want, "JSESSIONID=") && !strings.HasPrefix(got, "JSESSIONID=") {
			t.Errorf("fake's %s = %q, want a JSESSIONID cookie", h, got)
		}
	}
	if w.Shape.ResetDate {
		if _, err := http.ParseTime(resp.Header.Get("X-RateLimit-Reset")); err != nil {
			t.Errorf("fake's X-RateLimit-Reset %q is not an RFC 1123 date", resp.Header.Get("X-RateLimit-Reset"))
		}
	}
	switch {
	case w.Shape.Body == "jwt":
		if !jwtRE.Match(bytes.TrimSpace(body)) {
			t.Errorf("fake's body is not a JWT: %s", body)
		}
		if w.Shape.Claims {
			if why := claimsMismatch(w.Response.Body, string(bytes.TrimSpace(body))); why != "" {
				t.Errorf("fake's JWT differs from the vendor's: %s", why)
			}
		}
	case wantMT == "application/json":
		var want, got any
		if err := json.Unmarshal([]byte(v.fill(w.Response.Body)), &want); err != nil {
			t.Fatalf("fixture body: %v", err)
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("fake's body is not JSON: %s", body)
		}
		if why := shapeMismatch("$", want, got); why != "" {
			t.Errorf("fake's body differs in shape from the vendor's: %s\nvendor: %s\nfake:   %s", why, w.Response.Body, body)
		}
	}
}

// claimsMismatch compares two JWTs' claims: the same names in the same
// order, the same JSON types, and the same exp − nbf.
func claimsMismatch(want, got string) string {
	type claim struct {
		name string
		val  any
	}
	read := func(jwt string) ([]claim, map[string]any, error) {
		parts := strings.Split(jwt, ".")
		if len(parts) != 3 {
			return nil, nil, io.ErrUnexpectedEOF
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return nil, nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		var out []claim
		if _, err := dec.Token(); err != nil {
			return nil, nil, err
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, nil, err
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, nil, err
			}
			out = append(out, claim{k.(string), v})
		}
		return out, m, nil
	}
	wc, wm, err := read(want)
	if err != nil {
		return "fixture JWT: " + err.Error()
	}
	gc, gm, err := read(got)
	if err != nil {
		return "fake JWT: " + err.Error()
	}
	var wn, gn []string
	for _, c := range wc {
		wn = append(wn, c.name+":"+typeName(c.val))
	}
	for _, c := range gc {
		gn = append(gn, c.name+":"+typeName(c.val))
	}
	if strings.Join(wn, ",") != strings.Join(gn, ",") {
		return "claims " + strings.Join(gn, ",") + ", want " + strings.Join(wn, ",")
	}
	life := func(m map[string]any) float64 { e, _ := m["exp"].(float64); n, _ := m["nbf"].(float64); return e - n }
	if life(wm) != life(gm) {
		return "exp - nbf = " + strconv.FormatFloat(life(gm), 'f', -1, 64) + ", want " + strconv.FormatFloat(life(wm), 'f', -1, 64)
	}
	for _, k := range []string{"iss", "aud"} {
		if wm[k] != gm[k] {
			return k + " differs"
		}
	}
	return ""
}

// shapeMismatch reports where got lacks a member of want or has another
// JSON type there.
func shapeMismatch(at string, want, got any) string {
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		return at + ": " + typeName(got) + ", want " + typeName(want)
	}
	if wm, ok := want.(map[string]any); ok {
		gm := got.(map[string]any)
		for k, wv := range wm {
			gv, ok := gm[k]
			if !ok {
				return at + "." + k + ": missing"
			}
			if why := shapeMismatch(at+"."+k, wv, gv); why != "" {
				return why
			}
		}
	}
	return ""
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}
