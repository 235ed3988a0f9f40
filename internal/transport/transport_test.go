package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		code int
	}{
		{"https://org.teamdynamix.com", 0},
		{"http://127.0.0.1:8080", 0},
		{"http://127.5.6.7", 0},
		{"http://localhost:1", 0},
		{"http://[::1]:1", 0},
		{"http://tdx.example.edu", clierr.Usage},
		{"http://10.0.0.1", clierr.Usage},
		{"ftp://x", clierr.Usage},
		{"no-scheme", clierr.Usage},
		{"https://", clierr.Usage},
	} {
		_, err := CheckURL(tt.in)
		if clierr.Code(err) != tt.code {
			t.Errorf("CheckURL(%q) = %v, want exit %d", tt.in, err, tt.code)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	if d := backoff(0, "2"); d != 2*time.Second {
		t.Errorf("Retry-After 2 = %v", d)
	}
	if d := backoff(1, ""); d != time.Second {
		t.Errorf("attempt 1 = %v", d)
	}
	if d := backoff(0, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)); d != 0 {
		t.Errorf("past date = %v", d)
	}
}

func TestRetriesAndLimits(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if hits.Add(1) < 3 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte("ok"))
		case "/big":
			w.Write(make([]byte, MaxBody+1))
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		case "/far":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	var slept []time.Duration
	c, err := New(Options{Timeout: 100 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/flaky", Retry: true})
	if err != nil || string(resp.Body) != "ok" || len(slept) != 2 || slept[0] != time.Second {
		t.Fatalf("flaky: %v %v %v", resp, err, slept)
	}
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/big"}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big: %v", err)
	}
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/slow"}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("slow: %v", err)
	}
	if _, err := c.Do(ctx, &Request{Method: "GET", URL: srv.URL + "/far", Retry: true}); clierr.Code(err) != clierr.Network || !strings.Contains(err.Error(), "asks to wait") {
		t.Fatalf("far: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.Add("hunter2-long", "ab")
	if got := r.String("pw=hunter2-long ab eyJhbGc.eyJzdWIi.sig"); got != "pw=*** ab ***" {
		t.Errorf("String = %q", got)
	}
	body := r.Body([]byte(`{"Username":"u","Password":"p","ClientID":31337,"nested":{"SessionId":"s","ok":"x"}}`))
	for _, leak := range []string{`"p"`, `"s"`} {
		if strings.Contains(body, leak) {
			t.Errorf("Body kept %s: %s", leak, body)
		}
	}
	if !strings.Contains(body, `"ClientID":31337`) || !strings.Contains(body, `"Username":"u"`) {
		t.Errorf("Body hid too much: %s", body)
	}
	h := r.Header(http.Header{"Authorization": {"Bearer xyz"}, "Cookie": {"JSESSIONID=abc"}, "Session-Header": {"tok"}, "X-Ss-Id": {"sid"}, "Accept": {"a"}})
	for _, leak := range []string{"xyz", "abc", "tok", "sid"} {
		if strings.Contains(h, leak) {
			t.Errorf("Header kept %s:\n%s", leak, h)
		}
	}
}
