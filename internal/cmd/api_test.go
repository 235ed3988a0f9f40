package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestAPIFields(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(file, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := apiFields(&apiOptions{
		RawFields: []string{"name=Ann", "limit=10"},
		Fields:    []string{"n=10", "x=1.5", "on=true", "off=false", "none=null", "word=ten", "note=@" + file},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"limit":"10","n":10,"name":"Ann","none":null,"note":"from a file\n","off":false,"on":true,"word":"ten","x":1.5}`
	if string(b) != want {
		t.Errorf("body = %s\nwant   %s", b, want)
	}
	if _, err := apiFields(&apiOptions{Fields: []string{"novalue"}}); err == nil {
		t.Error("-F novalue: want a usage error")
	}
}

func TestResolveAgainst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, path, want string }{
		{"https://x.teamdynamix.com/TDWebApi", "/api/auth/getuser", "https://x.teamdynamix.com/TDWebApi/api/auth/getuser"},
		{"https://x.teamdynamix.com/TDWebApi", "api/auth/getuser", "https://x.teamdynamix.com/TDWebApi/api/auth/getuser"},
		{"https://x.teamdynamix.com/TDWebApi", "/TDWebApi/api/auth/getuser", "https://x.teamdynamix.com/TDWebApi/api/auth/getuser"},
		{"https://ws.yourmembership.com/Ams/31337", "/Ams/31337/MemberProfile", "https://ws.yourmembership.com/Ams/31337/MemberProfile"},
		{"https://ws.yourmembership.com/Ams/31337", "/MemberProfile", "https://ws.yourmembership.com/Ams/31337/MemberProfile"},
		{"https://ams.example.com/myclub", "https://ams.example.com/myclub/api/v1/x", "https://ams.example.com/myclub/api/v1/x"},
	} {
		got, err := resolveAgainst(tc.base, tc.path)
		if err != nil || got != tc.want {
			t.Errorf("resolveAgainst(%q, %q) = %q, %v; want %q", tc.base, tc.path, got, err, tc.want)
		}
	}
}

func TestFullPage(t *testing.T) {
	t.Parallel()
	var full, short any
	_ = json.Unmarshal([]byte(`{"Members":[1,2,3],"ResponseStatus":{}}`), &full)
	_ = json.Unmarshal([]byte(`{"Members":[1],"ResponseStatus":{}}`), &short)
	if !fullPage(full, 3) || fullPage(short, 3) {
		t.Error("fullPage: a page of 3 of 3 may have a next one; 1 of 3 is the last")
	}
}
