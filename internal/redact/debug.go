package redact

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
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

// credentialHeaderRE matches header names that, by their words, carry a
// credential: a user's own X-Api-Key, X-Auth-Token, Private-Token,
// X-Webhook-Secret… (--debug hides them as it hides sesame's own).
var credentialHeaderRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(auth|token|key|secret|session|cookie|passw|signature|credential|ss-id)`)
})

// credentialValueRE matches header values shaped like a credential
// whatever the header's name.
var credentialValueRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*(bearer|basic|digest|token|negotiate|ntlm|aws4-hmac-sha256)\s+\S`)
})

// looksSecretHeader reports whether --debug hides the value of header k
// holding v.
func looksSecretHeader(k, v string) bool {
	return secretHeaders[http.CanonicalHeaderKey(k)] || credentialHeaderRE().MatchString(k) || credentialValueRE().MatchString(v)
}

// DebugURL renders a URL for the --debug log: no user info, and the value
// of every query parameter hidden but small numbers and booleans
// (PageNumber=2, IsActive=true), which help debugging and cannot be a
// credential; a parameter with a secret's name is hidden whatever it holds.
func DebugURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Mask
	}
	u.User = nil
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, part := range parts {
			k, v, ok := strings.Cut(part, "=")
			if !ok || v == "" {
				continue
			}
			name, _ := url.QueryUnescape(k)
			if !IsSecretKey(name) && plainValue(v) {
				continue
			}
			parts[i] = k + "=" + Mask
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// plainValue: a number of at most 9 digits, or a boolean.
func plainValue(v string) bool {
	if v == "true" || v == "false" {
		return true
	}
	if len(v) > 9 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

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
// hidden: sesame's own (IsSecretHeader), any whose name says it carries a
// credential, and any whose value is shaped like one.
func (r *Redactor) Header(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			if looksSecretHeader(k, v) {
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
