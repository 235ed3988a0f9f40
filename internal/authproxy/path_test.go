package authproxy

import (
	"net/url"
	"testing"
)

// TestCleanPathHostileForms is the table of forms a client can use to walk
// around an allow-list or the login-path rule: each either resolves to the
// one path a server would read, or is refused.
func TestCleanPathHostileForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw, want string // want "" means refused
	}{
		{"/TDWebApi/api/tickets/1", "/TDWebApi/api/tickets/1"},
		{"", "/"},
		{"/", "/"},
		{"/a/b/", "/a/b/"},
		{"/a%20b/c", "/a b/c"},
		{"/TDWebApi/api/tickets/../people/1", "/TDWebApi/api/people/1"},
		{"/TDWebApi/api/tickets/./1", "/TDWebApi/api/tickets/1"},
		{"/TDWebApi/api/tickets/%2e%2e/people/1", "/TDWebApi/api/people/1"},
		{"/TDWebApi/api/tickets/%2E./people", "/TDWebApi/api/people"},
		{"/TDWebApi/api/tickets/.%2E/people", "/TDWebApi/api/people"},
		{"/TDWebApi/api/tickets/%2e/1", "/TDWebApi/api/tickets/1"},
		{"/../../etc/passwd", "/etc/passwd"},
		{"/TDWebApi/api/tickets/..", "/TDWebApi/api/"},
		{"/TDWebApi/api/tickets//../people", "/TDWebApi/api/people"},
		{"//TDWebApi//api///auth/login", "/TDWebApi/api/auth/login"},
		{"/TDWebApi/api/tickets/..%2fpeople", ""},
		{"/TDWebApi/api/tickets/..%2Fpeople", ""},
		{"/TDWebApi/api/tickets%2f..%2fpeople", ""},
		{"/TDWebApi/api/tickets/..%5cpeople", ""},
		{"/TDWebApi/api/tickets/..%5Cpeople", ""},
		{`/TDWebApi/api/tickets/..\people`, ""},
		{"/TDWebApi/api/tickets/%252e%252e/people", ""},
		{"/TDWebApi/api/tickets/%252fpeople", ""},
		{"/TDWebApi/api/tickets/%25", ""},
		{"/TDWebApi/api/tickets/..;/people", ""},
		{"/TDWebApi/api/tickets;x=1/1", ""},
		{"/TDWebApi/api/tickets%3b/1", ""},
		{"/TDWebApi/api/tickets/%00", ""},
		{"/TDWebApi/api/tickets/%0d%0a", ""},
		{"/TDWebApi/api/%zz", ""},
	} {
		got, err := CleanPath(tc.raw)
		if tc.want == "" {
			if err == nil {
				t.Errorf("CleanPath(%q) = %q, want refused", tc.raw, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
			continue
		}
		// What is forwarded reads back as what was checked.
		esc := (&url.URL{Path: got}).EscapedPath()
		if again, err := CleanPath(esc); err != nil || again != got {
			t.Errorf("CleanPath(%q) = %q: forwarded as %q, which reads as %q, %v", tc.raw, got, esc, again, err)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/a/../b", "/%2e%2e/x", "/a//b/./c/", "/x;y", "/%25"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CleanPath(raw)
		if err != nil {
			return
		}
		esc := (&url.URL{Path: got}).EscapedPath()
		if again, err := CleanPath(esc); err != nil || again != got {
			t.Fatalf("CleanPath(%q) = %q, forwarded as %q reads %q, %v", raw, got, esc, again, err)
		}
	})
}
