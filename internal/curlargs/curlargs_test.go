package curlargs

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		argv   []string
		urls   []string
		nexts  []int
		cacert string
	}{
		{"plain", []string{"-sS", "/api/x"}, []string{"/api/x"}, nil, ""},
		{"header value is not a URL", []string{"-H", "Accept: a", "https://h/x"}, []string{"https://h/x"}, nil, ""},
		{"cluster with value", []string{"-sSo", "out.json", "https://h/x"}, []string{"https://h/x"}, nil, ""},
		{"cluster value attached", []string{"-oout.json", "https://h/x"}, []string{"https://h/x"}, nil, ""},
		{"--url", []string{"--url", "https://h/a", "https://h/b"}, []string{"https://h/a", "https://h/b"}, nil, ""},
		{"abbreviated value option", []string{"--outp", "/tmp/o", "/x"}, []string{"/x"}, nil, ""},
		{"--head is a switch", []string{"--head", "/x"}, []string{"/x"}, nil, ""},
		{"--no- switch", []string{"--no-progress-meter", "/x"}, []string{"/x"}, nil, ""},
		{"double dash", []string{"-sS", "--", "/x", "-y"}, []string{"/x", "-y"}, nil, ""},
		{"next", []string{"/a", "--next", "-sS", "/b", "-:", "/c"}, []string{"/a", "/b", "/c"}, []int{1, 4}, ""},
		{"cacert", []string{"--cacert", "ca.pem", "/x"}, []string{"/x"}, nil, "ca.pem"},
		{"no urls", []string{"--version"}, []string{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Parse(tt.argv)
			if got := a.URLs(); !reflect.DeepEqual(got, tt.urls) {
				t.Errorf("URLs = %q, want %q", got, tt.urls)
			}
			if got := a.Nexts(); len(got)+len(tt.nexts) > 0 && !reflect.DeepEqual(got, tt.nexts) {
				t.Errorf("Nexts = %v, want %v", got, tt.nexts)
			}
			if a.CACert != tt.cacert {
				t.Errorf("CACert = %q", a.CACert)
			}
		})
	}
}

func TestSetURL(t *testing.T) {
	t.Parallel()
	a := Parse([]string{"-sS", "/x", "-o", "f"})
	a.SetURL(0, "http://127.0.0.1:1/x")
	if got := a.Argv(); !reflect.DeepEqual(got, []string{"-sS", "http://127.0.0.1:1/x", "-o", "f"}) {
		t.Fatalf("Argv = %q", got)
	}
}

func TestHandOver(t *testing.T) {
	cfg := func(k int) string { return fmt.Sprintf("CFG%d", k) }
	for _, tc := range []struct {
		argv    []string
		hand    []int // URL numbers that move
		want    []string
		carries []int
	}{
		{[]string{"-sS", "/a"}, []int{0}, []string{"-sS", "-K", "CFG0"}, []int{0}},
		{[]string{"-sS", "/a", "https://other/x"}, []int{0}, []string{"-sS", "-K", "CFG0", "https://other/x"}, []int{0}},
		{[]string{"--url", "/a", "-o", "f", "--next", "--url", "/b"}, []int{0, 1}, []string{"-K", "CFG0", "-o", "f", "--next", "-K", "CFG1"}, []int{0, 1}},
		{[]string{"-H", "X: y", "--", "https://other/x", "/a"}, []int{1}, []string{"-H", "X: y", "-K", "CFG0", "-K", "CFG1"}, []int{0, 1}},
		{[]string{"--", "https://other/x"}, nil, []string{"--", "https://other/x"}, nil},
		{[]string{"/a", "--", "https://other/x"}, []int{0}, []string{"-K", "CFG0", "--", "https://other/x"}, []int{0}},
	} {
		a := Parse(tc.argv)
		got, carries := a.HandOver(func(n int) bool { return slices.Contains(tc.hand, n) }, cfg)
		if !slices.Equal(got, tc.want) || !slices.Equal(carries, tc.carries) {
			t.Errorf("%q: got %q %v, want %q %v", tc.argv, got, carries, tc.want, tc.carries)
		}
	}
}
