package transport

import (
	"net/http"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// Plain http is for localhost and literal loopback addresses only; names
// under .localhost may resolve anywhere.
func TestPlainHTTPLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		code int
	}{
		{"http://localhost:1", 0},
		{"http://LOCALHOST:1", 0},
		{"http://127.0.0.1:1", 0},
		{"http://[::1]:1", 0},
		{"http://x.localhost:1", clierr.Usage},
		{"http://localhost.evil.example", clierr.Usage},
		{"http://127.0.0.1.nip.io", clierr.Usage},
		{"https://x.localhost:1", 0},
	} {
		if _, err := CheckURL(tt.in); clierr.Code(err) != tt.code {
			t.Errorf("CheckURL(%q) = %v, want exit %d", tt.in, err, tt.code)
		}
	}
}

// A loopback request never goes through the environment's proxy.
func TestLoopbackNeverProxied(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.example:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("NO_PROXY", "")
	for _, u := range []string{"http://localhost:8080/x", "http://127.0.0.1:8080/x", "http://[::1]:8080/x", "https://127.0.0.2/x"} {
		req, _ := http.NewRequest("GET", u, nil)
		if p, err := proxyFor(req); p != nil || err != nil {
			t.Errorf("%s goes through %v (%v)", u, p, err)
		}
	}
}
