package redact

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

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

// IsSecretHeader reports whether --debug hides the value of header name.
// Each provider's Info.SecretHeaders must be among them.
func IsSecretHeader(name string) bool { return secretHeaders[http.CanonicalHeaderKey(name)] }

// IsSecretKey reports whether --debug hides the value of JSON member k.
// Each provider's Info.SecretJSONKeys must be among them.
func IsSecretKey(k string) bool { return secretKeyRE().MatchString(k) }

// Debug renders s for the --debug log: registered secrets and anything
// shaped like a JWT hidden, control characters made visible (Text).
func (r *Redactor) Debug(s string) string { return Text(JWTs(r.String(s))) }

// Body renders a request or response body for --debug: JSON members with
// secret names are replaced whole, then registered secrets anywhere. The
// JSON is re-encoded without HTML escaping, and the registered secrets are
// looked for in their JSON-escaped forms too, so that a password holding
// & < > or " is hidden like any other.
func (r *Redactor) Body(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(redactJSON(v)); err == nil {
				return r.Debug(strings.TrimSuffix(out.String(), "\n"))
			}
		}
	}
	return r.Debug(string(b))
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
				t[k] = Mask
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

// Header renders a header block for --debug with credential headers
// hidden.
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
				v = headerValue(v)
			}
			b.WriteString("  " + Text(k) + ": " + r.Debug(v) + "\n")
		}
	}
	return b.String()
}

// headerValue keeps the scheme of an Authorization value and the name of
// a cookie, which help debugging, and hides the rest.
func headerValue(v string) string {
	if i := strings.IndexByte(v, ' '); i > 0 && !strings.Contains(v[:i], "=") {
		return v[:i] + " " + Mask
	}
	if i := strings.IndexByte(v, '='); i > 0 {
		return v[:i] + "=" + Mask
	}
	return Mask
}
