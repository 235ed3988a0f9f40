package authproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/transport"
)

// fakeSessions hands out numbered tokens; Renew makes the next one.
type fakeSessions struct {
	n, renewals atomic.Int64
	fail        atomic.Bool
}

func (f *fakeSessions) sess() *providers.Session {
	return &providers.Session{Provider: "tdx", Token: "tok" + string(rune('0'+f.n.Load())), IssuedAt: time.Now()}
}

func (f *fakeSessions) Get(context.Context, *config.Profile, bool) (*providers.Session, error) {
	return f.sess(), nil
}

func (f *fakeSessions) Renew(context.Context, *config.Profile, string, string) (*providers.Session, error) {
	f.renewals.Add(1)
	if f.fail.Load() {
		return nil, errors.New("wrong password")
	}
	f.n.Add(1)
	return f.sess(), nil
}

// vendor is a TDX-shaped upstream: it accepts "Bearer tok1" and later
// tokens, answers 401 to tok0, and records what it saw.
type vendor struct {
	seen atomic.Pointer[http.Request]
	body atomic.Pointer[[]byte]
	srv  *httptest.Server
}

func newVendor(t *testing.T, h http.HandlerFunc) *vendor {
	v := &vendor{}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v.body.Store(&b)
		v.seen.Store(r)
		h(w, r)
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func newProxy(t *testing.T, prov string, upstream string, fs *fakeSessions, mod func(*Options)) (*Proxy, *httptest.Server) {
	t.Helper()
	pv, err := registry.Get(prov)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := transport.New(transport.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := &config.Profile{Name: prov, Provider: prov, URL: upstream, Mode: pv.Modes()[0], Username: "u"}
	o := Options{Profile: p, Provider: pv, Sessions: fs, HTTP: hc}
	if mod != nil {
		mod(&o)
	}
	px, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(px)
	t.Cleanup(srv.Close)
	px.Bind(strings.TrimPrefix(srv.URL, "http://"))
	return px, srv
}

func do(t *testing.T, method, u, token string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func tdxOK(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "Bearer tok0" || r.Header.Get("Authorization") == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Set-Cookie", "vendor=secret")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	io.WriteString(w, "ok "+r.Header.Get("Authorization"))
}

func TestGate(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	base := srv.URL + "/TDWebApi"
	cases := []struct {
		name   string
		path   string
		token  string
		hdr    map[string]string
		status int
	}{
		{"no token", "/api/x", "", nil, 401},
		{"wrong token", "/api/x", px.Token() + "x", nil, 401},
		{"foreign host", "/api/x", px.Token(), map[string]string{"Host": "evil.example:80"}, 421},
		{"origin", "/api/x", px.Token(), map[string]string{"Origin": "https://evil.example"}, 403},
		{"login", "/api/auth/login", px.Token(), nil, 403},
		{"loginadmin", "/api/auth/loginadmin", px.Token(), nil, 403},
		{"auth", "/api/auth", px.Token(), nil, 403},
		{"escaped login", "/api/%61uth/login", px.Token(), nil, 403},
		{"backslash login", `/api\auth\login`, px.Token(), nil, 400},
		{"getuser ok", "/api/auth/getuser", px.Token(), nil, 200},
		{"ok", "/api/x", px.Token(), nil, 200},
	}
	for _, c := range cases {
		resp := do(t, "GET", base+c.path, c.token, nil, c.hdr)
		if resp.StatusCode != c.status {
			t.Errorf("%s: HTTP %d, want %d", c.name, resp.StatusCode, c.status)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: CORS or cookie header passed back", c.name)
		}
	}
}

func TestStripsAndInjects(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	resp := do(t, "GET", srv.URL+"/TDWebApi/api/x?q=1", px.Token(), nil, map[string]string{
		"Cookie": "a=b", "X-SS-ID": "x", "Session-Header": "s", "X-APP-ID": "y", "Accept": "application/json",
	})
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "ok Bearer tok1" {
		t.Fatalf("body %q", b)
	}
	r := v.seen.Load()
	for _, h := range []string{"Cookie", "X-Ss-Id", "Session-Header", "X-App-Id"} {
		if r.Header.Get(h) != "" {
			t.Errorf("%s reached the vendor", h)
		}
	}
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer tok1" {
		t.Errorf("vendor saw Authorization %q", got)
	}
	if r.URL.RawQuery != "q=1" || r.Header.Get("Accept") != "application/json" {
		t.Errorf("query or header lost: %v", r.URL)
	}
}

func TestRenewOnceAndReplay(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{} // tok0 is rejected
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	resp := do(t, "POST", srv.URL+"/TDWebApi/api/tickets", px.Token(), strings.NewReader(`{"a":1}`), nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "ok Bearer tok1" || fs.renewals.Load() != 1 {
		t.Fatalf("HTTP %d %q renewals %d", resp.StatusCode, b, fs.renewals.Load())
	}
	if got := *v.body.Load(); string(got) != `{"a":1}` {
		t.Fatalf("replayed body %q", got)
	}

	// A vendor that rejects every session: one renewal, no loop.
	v2 := newVendor(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	fs2 := &fakeSessions{}
	px2, srv2 := newProxy(t, "tdx", v2.srv.URL, fs2, nil)
	resp = do(t, "GET", srv2.URL+"/TDWebApi/api/x", px2.Token(), nil, nil)
	if resp.StatusCode != 401 || fs2.renewals.Load() != 1 {
		t.Fatalf("HTTP %d renewals %d", resp.StatusCode, fs2.renewals.Load())
	}
}

// A body over MaxReplay is spooled to a temp file and sent again after
// the renewal: the client sees only the final 200.
func TestLargeBodySpooledAndReplayed(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	big := bytes.Repeat([]byte("y"), MaxReplay+12345)
	resp := do(t, "POST", srv.URL+"/TDWebApi/api/upload", px.Token(), bytes.NewReader(big), nil)
	if resp.StatusCode != 200 || resp.Header.Get(NotReplayedHeader) != "" || fs.renewals.Load() != 1 || !bytes.Equal(*v.body.Load(), big) {
		t.Fatalf("HTTP %d, %q, renewals %d, body %d bytes", resp.StatusCode, resp.Header.Get(NotReplayedHeader), fs.renewals.Load(), len(*v.body.Load()))
	}
}

// A body over the spool bound goes through once; the vendor's "log in
// again" comes back as an error status marked not replayed.
func TestLargeBodyNotReplayed(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) { o.MaxSpool = MaxReplay + 10 })
	big := bytes.Repeat([]byte("x"), MaxReplay+11)
	resp := do(t, "POST", srv.URL+"/TDWebApi/api/upload", px.Token(), bytes.NewReader(big), nil)
	if resp.StatusCode != 401 || resp.Header.Get(NotReplayedHeader) == "" || fs.renewals.Load() != 1 {
		t.Fatalf("HTTP %d, %q, renewals %d", resp.StatusCode, resp.Header.Get(NotReplayedHeader), fs.renewals.Load())
	}
	// The next request uses the renewed session.
	resp = do(t, "POST", srv.URL+"/TDWebApi/api/upload", px.Token(), bytes.NewReader(big), nil)
	if resp.StatusCode != 200 || len(*v.body.Load()) != len(big) {
		t.Fatalf("second: HTTP %d", resp.StatusCode)
	}
}

func TestAMSRPCExceptionOn200(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		if r.Header.Get("Session-Header") == "tok0" {
			io.WriteString(w, `{"__is_rpc_exception__":true,"value":{"detailMessage":"Your session has expired. Please log in again."}}`)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
	fs := &fakeSessions{}
	px, srv := newProxy(t, "ams", v.srv.URL+"/sandbox", fs, nil)
	resp := do(t, "POST", srv.URL+"/sandbox/api/v2/x", px.Token(), strings.NewReader("{}"), nil)
	b, _ := io.ReadAll(resp.Body)
	if string(b) != `{"ok":true}` || fs.renewals.Load() != 1 {
		t.Fatalf("%q renewals %d", b, fs.renewals.Load())
	}
	resp = do(t, "POST", srv.URL+"/sandbox/api/v1/userauthentication", px.Token(), nil, nil)
	if resp.StatusCode != 403 {
		t.Fatalf("login path: HTTP %d", resp.StatusCode)
	}
}

func TestLocationRewrite(t *testing.T) {
	t.Parallel()
	var vendorURL string
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/TDWebApi/same":
			w.Header().Set("Location", vendorURL+"/TDWebApi/there?x=1")
		case "/TDWebApi/other":
			w.Header().Set("Location", "https://elsewhere.example/x")
		}
		w.WriteHeader(302)
	})
	vendorURL = v.srv.URL
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{"/same": srv.URL + "/TDWebApi/there?x=1", "/other": "https://elsewhere.example/x"} {
		req, _ := http.NewRequest("GET", srv.URL+"/TDWebApi"+path, nil)
		req.Header.Set("Authorization", "Bearer "+px.Token())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("%s: Location %q, want %q", path, got, want)
		}
	}
}

func TestAllowListsAndBackoff(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	fs := &fakeSessions{}
	fs.fail.Store(true)
	start := time.Now()
	var off atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(off.Load())) }
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) {
		o.AllowMethods = []string{"GET"}
		o.Now = clock
	})
	if resp := do(t, "DELETE", srv.URL+"/TDWebApi/api/x", px.Token(), nil, nil); resp.StatusCode != 405 {
		t.Fatalf("DELETE: HTTP %d", resp.StatusCode)
	}
	for i := 0; i < 3; i++ {
		resp := do(t, "GET", srv.URL+"/TDWebApi/api/x", px.Token(), nil, nil)
		if resp.StatusCode != 503 {
			t.Fatalf("failed renewal: HTTP %d", resp.StatusCode)
		}
	}
	if got := fs.renewals.Load(); got != 1 {
		t.Fatalf("renewals during back-off = %d, want 1", got)
	}
	off.Store(int64(2 * time.Second))
	do(t, "GET", srv.URL+"/TDWebApi/api/x", px.Token(), nil, nil)
	if got := fs.renewals.Load(); got != 2 {
		t.Fatalf("renewals after back-off = %d, want 2", got)
	}
}

// TestAllowPathOnCleanPath: --allow-path for tickets holds against every
// form of walking out of it, and the vendor gets exactly the path checked.
func TestAllowPathOnCleanPath(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) {
		o.AllowPaths = []*regexp.Regexp{regexp.MustCompile(`^/TDWebApi/api/tickets(/|$)`)}
	})
	for _, tc := range []struct {
		path string
		code int
		seen string
	}{
		{"/TDWebApi/api/tickets/1", 200, "/TDWebApi/api/tickets/1"},
		{"/TDWebApi/api/tickets/./2", 200, "/TDWebApi/api/tickets/2"},
		{"/TDWebApi/api/tickets/../people/1", 403, ""},
		{"/TDWebApi/api/tickets/%2e%2e/people/1", 403, ""},
		{"/TDWebApi/api/tickets/%2E./people/1", 403, ""},
		{"/TDWebApi/api/tickets//../people/1", 403, ""},
		{"/TDWebApi/api/tickets/..%2fpeople/1", 400, ""},
		{"/TDWebApi/api/tickets/..%5cpeople/1", 400, ""},
		{"/TDWebApi/api/tickets/%252e%252e/people/1", 400, ""},
		{"/TDWebApi/api/tickets/..;/people/1", 400, ""},
	} {
		v.seen.Store(nil)
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		req.URL.Opaque = tc.path // sent as written, not cleaned by the client
		req.Header.Set("Authorization", "Bearer "+px.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: HTTP %d, want %d", tc.path, resp.StatusCode, tc.code)
		}
		seen := v.seen.Load()
		switch {
		case tc.seen == "" && seen != nil:
			t.Errorf("%s reached the vendor as %s", tc.path, seen.URL.EscapedPath())
		case tc.seen != "" && (seen == nil || seen.URL.EscapedPath() != tc.seen):
			t.Errorf("%s: vendor saw %v, want %s", tc.path, seen, tc.seen)
		}
	}
}

// TestLoginPathsFromProvider: each provider's own RefusedPath, on the
// cleaned path, whatever form the client writes it in.
func TestLoginPathsFromProvider(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	for path, code := range map[string]int{
		"/TDWebApi/api/auth/getuser":              200,
		"/TDWebApi/api/auth/login":                403,
		"/TDWebApi/API/Auth/LoginAdmin":           403,
		"/TDWebApi/api/tickets/../auth/login":     403,
		"/TDWebApi/api/%61uth/login":              403,
		"/TDWebApi/api/auth/getuser/../login":     403,
		"/TDWebApi/api/%2561uth/login":            400,
		"/TDWebApi/api/auth;jsessionid=1/login":   400,
		"/TDWebApi//api//auth//login":             403,
		"/TDWebApi/api/auth/getuser/%2e%2e/login": 403,
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		req.URL.Opaque = path
		req.Header.Set("Authorization", "Bearer "+px.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("%s: HTTP %d, want %d", path, resp.StatusCode, code)
		}
	}
}

func TestMethodOverride(t *testing.T) {
	t.Parallel()
	v := newVendor(t, tdxOK)
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) { o.AllowMethods = []string{"GET"} })
	for _, h := range []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "x-http-method-override"} {
		v.seen.Store(nil)
		resp := do(t, "GET", srv.URL+"/TDWebApi/api/tickets/1", px.Token(), nil, map[string]string{h: "DELETE"})
		if resp.StatusCode != 403 || v.seen.Load() != nil {
			t.Errorf("%s: DELETE under --allow-method GET: HTTP %d, reached vendor %v", h, resp.StatusCode, v.seen.Load() != nil)
		}
	}
	// Without --allow-method the headers are stripped.
	px2, srv2 := newProxy(t, "tdx", v.srv.URL, fs, nil)
	resp := do(t, "GET", srv2.URL+"/TDWebApi/api/tickets/1", px2.Token(), nil, map[string]string{"X-HTTP-Method-Override": "DELETE", "X-Method-Override": "PUT"})
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	for _, h := range methodOverrides {
		if got := v.seen.Load().Header.Get(h); got != "" {
			t.Errorf("vendor got %s: %s", h, got)
		}
	}
}

func TestHopByHopBothWays(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Vendor-Hop, keep-alive")
		w.Header().Set("X-Vendor-Hop", "secret-hop")
		w.Header().Set("X-Vendor-End", "kept")
		io.WriteString(w, "ok")
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	req, _ := http.NewRequest("GET", srv.URL+"/TDWebApi/api/x", nil)
	req.Header.Set("Authorization", "Bearer "+px.Token())
	req.Header.Set("Connection", "X-Client-Hop, X-Other")
	req.Header.Set("X-Client-Hop", "1")
	req.Header.Set("X-Other", "2")
	req.Header.Set("X-Client-End", "3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	seen := v.seen.Load().Header
	if seen.Get("X-Client-Hop") != "" || seen.Get("X-Other") != "" || seen.Get("X-Client-End") != "3" {
		t.Errorf("vendor got %v", seen)
	}
	if resp.Header.Get("X-Vendor-Hop") != "" || resp.Header.Get("X-Vendor-End") != "kept" {
		t.Errorf("client got %v", resp.Header)
	}
}

// TestStreamsAsItArrives: a vendor that trickles events (server-sent
// events) holds its second until the client has the first; a proxy that
// buffered would never deliver the first.
func TestStreamsAsItArrives(t *testing.T) {
	t.Parallel()
	gotFirst := make(chan struct{})
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-gotFirst:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: two\n\n")
	})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/TDWebApi/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+px.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event: %q, %v (the proxy held it back)", line, err)
	}
	close(gotFirst)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "\ndata: two\n\n" {
		t.Fatalf("rest: %q, %v", rest, err)
	}
}

// TestPathToken: with PathToken the token is the first path segment (and
// a Bearer header is not accepted); same-origin redirects keep it.
func TestPathToken(t *testing.T) {
	t.Parallel()
	var vendorURL string
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/TDWebApi/abs":
			w.Header().Set("Location", vendorURL+"/TDWebApi/there?x=1")
			w.WriteHeader(302)
		case "/TDWebApi/rel":
			w.Header().Set("Location", "/TDWebApi/here")
			w.WriteHeader(302)
		case "/TDWebApi/sub/relpath":
			w.Header().Set("Location", "next")
			w.WriteHeader(302)
		case "/TDWebApi/away":
			w.Header().Set("Location", "http://127.0.0.1:1/x")
			w.WriteHeader(302)
		default:
			tdxOK(w, r)
		}
	})
	vendorURL = v.srv.URL
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, srv := newProxy(t, "tdx", v.srv.URL, fs, func(o *Options) { o.PathToken = true })
	capURL := px.URL(srv.URL, "")
	if resp := do(t, "GET", capURL+"/TDWebApi/api/x", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("capability: HTTP %d", resp.StatusCode)
	}
	if got := v.seen.Load().Header.Get("Authorization"); got != "Bearer tok1" {
		t.Errorf("vendor got Authorization %q", got)
	}
	if got := v.seen.Load().URL.Path; got != "/TDWebApi/api/x" {
		t.Errorf("vendor got path %q: the capability must be stripped", got)
	}
	for _, u := range []string{srv.URL + "/TDWebApi/api/x", srv.URL + "/wrong/TDWebApi/api/x", srv.URL + "/" + px.Token()[:10] + "/TDWebApi/api/x"} {
		if resp := do(t, "GET", u, px.Token(), nil, nil); resp.StatusCode != 401 {
			t.Errorf("%s with a Bearer header: HTTP %d, want 401", u, resp.StatusCode)
		}
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{
		"/TDWebApi/abs":         capURL + "/TDWebApi/there?x=1",
		"/TDWebApi/rel":         capURL + "/TDWebApi/here",
		"/TDWebApi/sub/relpath": capURL + "/TDWebApi/sub/next",
		"/TDWebApi/away":        "http://127.0.0.1:1/x",
	} {
		resp, err := c.Get(capURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("%s: Location %q, want %q", path, got, want)
		}
	}
}

func BenchmarkProxyGET(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	pv, _ := registry.Get("tdx")
	hc, _ := transport.New(transport.Options{Timeout: 5 * time.Second})
	fs := &fakeSessions{}
	fs.n.Store(1)
	px, err := New(Options{Profile: &config.Profile{Name: "tdx", Provider: "tdx", URL: up.URL, Mode: "user", Username: "u"}, Provider: pv, Sessions: fs, HTTP: hc})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(px)
	defer srv.Close()
	px.Bind(strings.TrimPrefix(srv.URL, "http://"))
	c := &http.Client{}
	req, _ := http.NewRequest("GET", srv.URL+"/TDWebApi/api/x", nil)
	req.Header.Set("Authorization", "Bearer "+px.Token())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
