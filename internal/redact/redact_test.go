package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// leaks lists forms of secret, computed here independently of Forms, that
// appear in out.
func leaks(out, secret string) []string {
	j, _ := json.Marshal(secret)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(secret)
	forms := map[string]string{
		"raw":           secret,
		"json":          string(j[1 : len(j)-1]),
		"json plain":    strings.TrimSpace(plain.String())[1 : len(strings.TrimSpace(plain.String()))-1],
		"query":         url.QueryEscape(secret),
		"path":          url.PathEscape(secret),
		"base64":        base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 raw":    base64.RawStdEncoding.EncodeToString([]byte(secret)),
		"base64url":     base64.URLEncoding.EncodeToString([]byte(secret)),
		"base64url raw": base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	var found []string
	for name, f := range forms {
		if strings.Contains(out, f) {
			found = append(found, name)
		}
	}
	return found
}

func TestEveryForm(t *testing.T) {
	for _, secret := range []string{`p&ss<w"rd>42`, "wonderland-42", "päss wörd/+=?", "tab\tand\\back", "😀emoji-secret"} {
		r := New(secret)
		j, _ := json.Marshal(map[string]string{"Password": secret})
		text := strings.Join([]string{
			secret,
			string(j),
			"https://h/Authenticate/" + url.PathEscape(secret) + "?p=" + url.QueryEscape(secret),
			strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"),
			strings.ToLower(url.QueryEscape(secret)),
			"Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+secret)),
			"Basic " + base64.StdEncoding.EncodeToString([]byte("bob:"+secret)),
			"Basic " + base64.StdEncoding.EncodeToString([]byte("carol:"+secret)),
			base64.URLEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret)),
		}, "\n")
		out := r.String(text)
		if l := leaks(out, secret); len(l) > 0 {
			t.Errorf("%q: forms left %v in:\n%s", secret, l, out)
		}
		if strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("alice:" + secret))[8:]) {
			t.Errorf("%q: the Basic credential's tail is left: %s", secret, out)
		}
	}
}

func TestShortSecrets(t *testing.T) {
	r := New("ab", "7")
	for in, want := range map[string]string{
		"pw=ab":              "pw=***",
		`{"pin":"7"}`:        `{"pin":"***"}`,
		"abstract cab ab":    "abstract cab ***",
		"version 1.7.0":      "version 1.***.0",
		"no 77 and 17 and 7": "no 77 and 17 and ***",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMultiLine(t *testing.T) {
	key := "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\r\nhkiG9w0BAQEFAASC\n-----END KEY-----"
	r := New(key)
	out := r.String("got:\nMIIEvQIBADANBgkq\nand hkiG9w0BAQEFAASC\n")
	if strings.Contains(out, "MIIEvQIBADANBgkq") || strings.Contains(out, "hkiG9w0BAQEFAASC") {
		t.Errorf("a line of the key is left: %q", out)
	}
	j, _ := json.Marshal(key)
	if out := r.String(string(j)); strings.Contains(out, "MIIE") {
		t.Errorf("JSON form left: %s", out)
	}
}

func TestWriterEverySplit(t *testing.T) {
	secrets := []string{"hunter2-long", "ab", "line-one\nline-two"}
	in := "start hunter2-long ab cab\nline-one\nmid line-two end ab"
	want := New(secrets...).String(in)
	if strings.Contains(want, "hunter2") || strings.Contains(want, "line-one") || strings.Contains(want, "line-two") {
		t.Fatalf("String left a secret: %q", want)
	}
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j++ {
			var out bytes.Buffer
			w := NewWriter(&out, New(secrets...))
			w.Write([]byte(in[:i]))
			w.Write([]byte(in[i:j]))
			w.Write([]byte(in[j:]))
			w.Flush()
			if out.String() != want {
				t.Fatalf("split %d,%d: %q, want %q", i, j, out.String(), want)
			}
		}
	}
}

func TestWriterShowsPrompt(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, New("hunter2"))
	prompt := "Enter the record number please: "
	w.Write([]byte(prompt))
	if held := len(prompt) - out.Len(); held > w.max {
		t.Errorf("a prompt without newline is held back beyond the longest form (%d bytes): %q", w.max, out.String())
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                      "alice",
		"tab\tnew\nline":             "tab\tnew\nline",
		"\x1b]0;pwned\x07alice":      `\x1b]0;pwned\x07alice`,
		"\x1b]52;c;ZXZpbA==\x1b\\ok": `\x1b]52;c;ZXZpbA==\x1b\ok`,
		"cr\roverwrite":              `cr\x0doverwrite`,
		"c1 \u009b31m":               `c1 \x9b31m`,
		"evil\u202egnp.exe":          `evil\u202egnp.exe`,
		"iso\u2066x\u2069":           `iso\u2066x\u2069`,
		"caf\xe9":                    `caf\xe9`,
		"ok \uFFFD kept":             "ok \uFFFD kept",
		"Zoë":                        "Zoë",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDebugBody(t *testing.T) {
	secret := `p&ss<w"rd>42`
	r := New(secret)
	body, _ := json.Marshal(map[string]any{"UserName": "alice", "Note": "echo " + secret, "ClientID": 31337, "nested": map[string]string{"SessionId": "s"}})
	out := r.Body(body)
	if l := leaks(out, secret); len(l) > 0 {
		t.Errorf("Body left %v: %s", l, out)
	}
	if !strings.Contains(out, `"ClientID":31337`) || !strings.Contains(out, `"UserName":"alice"`) || strings.Contains(out, `"s"`) {
		t.Errorf("Body: %s", out)
	}
	h := r.Header(http.Header{"Authorization": {"Bearer xyz"}, "Cookie": {"JSESSIONID=abc"}, "Session-Header": {"tok"}, "X-Ss-Id": {"sid"}, "Accept": {"a " + secret}})
	for _, leak := range []string{"xyz", "abc", "tok", "sid", secret} {
		if strings.Contains(h, leak) {
			t.Errorf("Header kept %s:\n%s", leak, h)
		}
	}
	if got := r.Debug("x eyJhbGc.eyJzdWIi.sig y"); got != "x *** y" {
		t.Errorf("JWT: %q", got)
	}
}

func TestDebugURLAndHeaders(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://u:p@h/x?token=abc&PageNumber=2&IsActive=true&q=hello": "https://h/x?token=***&PageNumber=2&IsActive=true&q=***",
		"https://h/x?apikey=12345":                                     "https://h/x?apikey=***",
		"https://h/x?id=12345678901":                                   "https://h/x?id=***",
		"https://h/x?flag&empty=":                                      "https://h/x?flag&empty=",
		"https://h/Ams/People?sig=a%2Fb":                               "https://h/Ams/People?sig=***",
	} {
		if got := DebugURL(in); got != want {
			t.Errorf("DebugURL(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{
		"X-Api-Key":        {"k-123456"},
		"X-Auth-Token":     {"t-123456"},
		"X-Webhook-Secret": {"s-123456"},
		"X-Custom":         {"Bearer b-123456"},
		"Accept":           {"application/json"},
	}
	got := New().Header(h)
	for _, leak := range []string{"k-123456", "t-123456", "s-123456", "b-123456"} {
		if strings.Contains(got, leak) {
			t.Errorf("header dump shows %s:\n%s", leak, got)
		}
	}
	if !strings.Contains(got, "Accept: application/json") {
		t.Errorf("header dump hides Accept:\n%s", got)
	}
}
