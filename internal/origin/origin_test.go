package origin

import "testing"

func TestOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://Example.COM/x", "https://example.com:443"},
		{"https://example.com:443/x", "https://example.com:443"},
		{"HTTP://example.com", "http://example.com:80"},
		{"http://example.com:8080/a?b#c", "http://example.com:8080"},
		{"http://127.0.0.1:39999", "http://127.0.0.1:39999"},
		{"http://[::1]:8080/x", "http://[::1]:8080"},
		{"https://[::1]/", "https://[::1]:443"},
		{"https://user:pw@example.com/", "https://example.com:443"},
		{"/relative/path", ""},
		{"example.com", ""},
		{"", ""},
		{"http://", ""},
		{"http://:80", ""},
		{"%zz", ""},
	} {
		if got := Of(tc.in); got != tc.want {
			t.Errorf("Of(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://example.com/a", "https://EXAMPLE.com:443/b", true},
		{"http://example.com", "http://example.com:80/", true},
		{"http://example.com", "https://example.com", false},
		{"https://example.com", "https://example.com:8443", false},
		{"https://example.com", "https://example.com.evil.test", false},
		{"https://a.example.com", "https://example.com", false},
		{"/x", "/x", false},
		{"", "", false},
	} {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://u:p@example.com:8443/x?y", "example.com:8443"},
		{"https://example.com", "example.com"},
		{"nonsense", "the instance"},
	} {
		if got := Host(tc.in); got != tc.want {
			t.Errorf("Host(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
