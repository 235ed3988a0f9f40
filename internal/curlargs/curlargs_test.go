package curlargs

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		argv      []string
		urls      []string
		location  bool
		stdin     bool
		body      bool
		maxRedirs int
	}{
		{"plain", []string{"-sS", "/api/x"}, []string{"/api/x"}, false, false, false, -1},
		{"header value is not a URL", []string{"-H", "Accept: a", "https://h/x"}, []string{"https://h/x"}, false, false, false, -1},
		{"cluster with value", []string{"-sSo", "out.json", "https://h/x"}, []string{"https://h/x"}, false, false, false, -1},
		{"cluster value attached", []string{"-oout.json", "https://h/x"}, []string{"https://h/x"}, false, false, false, -1},
		{"location in cluster", []string{"-sSL", "https://h/x"}, []string{"https://h/x"}, true, false, false, -1},
		{"long location", []string{"--location", "--max-redirs", "3", "https://h/x"}, []string{"https://h/x"}, true, false, false, 3},
		{"--url", []string{"--url", "https://h/a", "https://h/b"}, []string{"https://h/a", "https://h/b"}, false, false, false, -1},
		{"stdin data", []string{"-d", "@-", "/x"}, []string{"/x"}, false, true, true, -1},
		{"stdin data-binary", []string{"--data-binary", "@-", "/x"}, []string{"/x"}, false, true, true, -1},
		{"stdin upload", []string{"-T", "-", "/x"}, []string{"/x"}, false, true, true, -1},
		{"file data", []string{"-d", "@body.json", "/x"}, []string{"/x"}, false, false, true, -1},
		{"json", []string{"--json", `{"a":1}`, "/x"}, []string{"/x"}, false, false, true, -1},
		{"form stdin", []string{"-F", "file=@-", "/x"}, []string{"/x"}, false, true, true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := Parse(tt.argv)
			if got := a.URLs(); !reflect.DeepEqual(got, tt.urls) {
				t.Errorf("URLs = %q, want %q", got, tt.urls)
			}
			if a.Location != tt.location || a.StdinBody != tt.stdin || a.Body != tt.body || a.MaxRedirs != tt.maxRedirs {
				t.Errorf("Location=%v StdinBody=%v Body=%v MaxRedirs=%d, want %v %v %v %d", a.Location, a.StdinBody, a.Body, a.MaxRedirs, tt.location, tt.stdin, tt.body, tt.maxRedirs)
			}
		})
	}
}

func TestWithoutLocation(t *testing.T) {
	t.Parallel()
	a := Parse([]string{"-sSL", "--location", "-L", "https://h/x"})
	got := a.WithoutLocation()
	want := []string{"-sS", "--no-location", "--no-location", "https://h/x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got[a.URLIndex(0)] != "https://h/x" {
		t.Fatalf("URL index moved")
	}
}
