package transport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Redactor replaces secrets with *** in --debug output. It knows three kinds
// of secret: values registered with Add (the password, key, or token being
// used), the values of headers that carry credentials, and the values of JSON
// members whose names say they are secret.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return &Redactor{} }

// Add registers values to hide wherever they appear.
func (r *Redactor) Add(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range s {
		if len(v) >= 3 { // a 1–2 byte "secret" would blank out ordinary text
			r.secrets = append(r.secrets, v)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String replaces every registered secret in s.
func (r *Redactor) String(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, "***")
	}
	return redactJWTs(s)
}

// jwtRE and secretKeyRE are compiled on first use (--debug), not at
// start-up: package initialisers run in every sesame process.
var jwtRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`) })

// redactJWTs hides anything shaped like a JWT, registered or not.
func redactJWTs(s string) string { return jwtRE().ReplaceAllString(s, "***") }

// secretHeaders carry credentials in requests or responses.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"Session-Header":      true,
	"X-Ss-Id":             true,
}

// secretKeyRE matches JSON member names whose values are secrets.
var secretKeyRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(password|secret|token|key|sessionid|session_id|skypename|beid|accesstoken)`)
})

// Body redacts a request or response body: JSON members with secret names
// are replaced whole, then registered secrets anywhere.
func (r *Redactor) Body(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			if out, err := json.Marshal(redactJSON(v)); err == nil {
				return r.String(string(out))
			}
		}
	}
	return r.String(string(b))
}

func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			_, isObj := val.(map[string]any)
			_, isBool := val.(bool)
			if !isObj && !isBool && secretKeyRE().MatchString(k) && val != nil && val != "" {
				if _, isNum := val.(float64); isNum && !strings.Contains(strings.ToLower(k), "password") {
					continue // ClientID-like numbers are not secret
				}
				t[k] = "***"
				continue
			}
			t[k] = redactJSON(val)
		}
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i])
		}
	}
	return v
}

// Header renders a header block with credential headers hidden.
func (r *Redactor) Header(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			if secretHeaders[http.CanonicalHeaderKey(k)] {
				v = redactHeaderValue(v)
			} else {
				v = r.String(v)
			}
			b.WriteString("  " + k + ": " + v + "\n")
		}
	}
	return b.String()
}

// redactHeaderValue keeps the scheme of an Authorization value and the name
// of a cookie, which help debugging, and hides the rest.
func redactHeaderValue(v string) string {
	if i := strings.IndexByte(v, ' '); i > 0 && !strings.Contains(v[:i], "=") {
		return v[:i] + " ***"
	}
	if i := strings.IndexByte(v, '='); i > 0 {
		return v[:i] + "=***"
	}
	return "***"
}

// Redact strips user info from a URL for messages.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

func (c *Client) dumpRequest(req *http.Request, body []byte) {
	if c.debug == nil {
		return
	}
	var b strings.Builder
	b.WriteString("debug: > " + req.Method + " " + c.debug.String(Redact(req.URL.String())) + "\n")
	b.WriteString(c.debug.Header(req.Header))
	if len(body) > 0 {
		b.WriteString("  " + c.debug.Body(body) + "\n")
	}
	c.out.Write([]byte(b.String()))
}

func (c *Client) dumpResponse(r *Response, took time.Duration) {
	if c.debug == nil {
		return
	}
	var b strings.Builder
	b.WriteString("debug: < HTTP " + http.StatusText(r.Status) + " (" + strconv.Itoa(r.Status) + ") in " + took.Round(time.Millisecond).String() + "\n")
	b.WriteString(c.debug.Header(r.Header))
	if len(r.Body) > 0 {
		body := c.debug.Body(r.Body)
		if len(body) > 2048 {
			body = body[:2048] + "…"
		}
		b.WriteString("  " + body + "\n")
	}
	c.out.Write([]byte(b.String()))
}
