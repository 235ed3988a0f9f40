// Package redact is sesame's one scrubber: it hides secrets in --debug
// output, in error messages and in `exec --redact` streams, and it makes
// text from a vendor safe to print (Text).
//
// A registered secret is hidden in every form it may take on the way out:
// raw; URL-escaped (query and path escaping, %20 or + for a space, upper-
// or lower-case hex); base64 (standard and URL alphabets, with and without
// padding, at every alignment, so that the secret is found inside a longer
// encoding such as HTTP Basic's base64("user:pass")); and each of these
// JSON-escaped (Go's HTML-safe \u0026 form, the plain form, \/ and \uXXXX
// escapes as other encoders write them) once or twice (JSON quoted in
// JSON). Multi-line secrets are also hidden
// line by line, as output is read and written line by line.
//
// Length rule (MinLen): a value of MinLen bytes or more is hidden wherever
// it appears, in every form. A shorter value (1 to MinLen-1 bytes) is hidden
// only where it stands as a word of its own, not next to a letter or digit,
// and only raw. GitHub Actions masks a registered value of any length
// everywhere, which turns every "a" of a log into *** for a one-letter
// secret; sesame hides the short value itself wherever it stands as a
// value (pw=ab, "ab", ab) and leaves ordinary words readable, since a
// match inside a word tells nothing about the secret.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MinLen is the shortest secret hidden wherever it appears (see the
// package comment for shorter ones). It is also the shortest encoded form
// that is looked for.
const MinLen = 4

// Mask replaces a hidden secret.
const Mask = "***"

// Redactor hides registered secrets. The zero value is ready to use and it
// is safe for concurrent use.
type Redactor struct {
	mu    sync.Mutex
	long  []string // every form of every secret of MinLen bytes or more, longest first
	short []string // raw secrets under MinLen bytes, hidden as whole words
	seen  map[string]bool
}

// New returns a Redactor that hides secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers secrets; empty ones are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	for _, s := range secrets {
		if s == "" || r.seen[s] {
			continue
		}
		r.seen[s] = true
		for _, part := range pieces(s) {
			if len(part) < MinLen {
				if strings.TrimSpace(part) != "" && !slices.Contains(r.short, part) {
					r.short = append(r.short, part)
				}
				continue
			}
			for _, f := range Forms(part) {
				if !slices.Contains(r.long, f) {
					r.long = append(r.long, f)
				}
			}
		}
	}
	// Longest first, so that a secret containing another is hidden whole.
	slices.SortStableFunc(r.long, func(a, b string) int { return len(b) - len(a) })
}

// pieces are the values to hide for s: s itself and, for a multi-line
// secret, each of its lines.
func pieces(s string) []string {
	out := []string{s}
	if strings.ContainsAny(s, "\r\n") {
		out = append(out, strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })...)
	}
	return out
}

// Empty reports whether nothing is registered.
func (r *Redactor) Empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.long) == 0 && len(r.short) == 0
}

// String replaces every form of every registered secret in s with Mask.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.long {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	for _, v := range r.short {
		s = hideWord(s, v)
	}
	return s
}

// maxLen is the longest form that contains no line break (what a stream
// must hold back).
func (r *Redactor) maxLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range append(slices.Clone(r.long), r.short...) {
		if !strings.ContainsAny(v, "\r\n") && len(v) > n {
			n = len(v)
		}
	}
	return n
}

// hideWord replaces v in s where it is not next to a letter or digit.
func hideWord(s, v string) string {
	if !strings.Contains(s, v) {
		return s
	}
	var b strings.Builder
	last := 0 // s[:last] is written
	for from := 0; ; {
		i := strings.Index(s[from:], v)
		if i < 0 {
			break
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(v):])
		if !isWordRune(before) && !isWordRune(after) {
			b.WriteString(s[last:i] + Mask)
			last = i + len(v)
		}
		from = i + len(v)
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Forms lists the forms of secret s that output may hold (see the package
// comment), each of at least MinLen bytes, s first.
func Forms(s string) []string {
	var out []string
	add := func(f string) {
		if len(f) >= MinLen && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	// The raw, URL-escaped and base64 forms ...
	base := []string{s}
	q := url.QueryEscape(s)
	for _, u := range []string{q, strings.ReplaceAll(q, "+", "%20"), url.PathEscape(s)} {
		base = append(base, u, lowerHex(u))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		base = append(base, enc.EncodeToString([]byte(s)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s)))
		for k := 0; k < 3; k++ {
			base = append(base, base64Core(enc, s, k))
		}
	}
	// ... each as it is, inside a JSON string, and inside a JSON string
	// inside a JSON string (a vendor that quotes the request's JSON body
	// in its own JSON answer).
	for _, b := range base {
		add(b)
		for _, j := range jsonForms(b) {
			add(j)
			add(strings.ReplaceAll(j, "/", `\/`))
			add(asciiJSON(j, "%04x"))
			add(asciiJSON(j, "%04X"))
			for _, jj := range jsonForms(j) {
				add(jj)
			}
		}
	}
	return out
}

// jsonForms are s as JSON string contents: Go's HTML-safe form and the
// plain one.
func jsonForms(s string) []string {
	b, _ := json.Marshal(s)
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	p := strings.TrimSpace(plain.String())
	return []string{string(b[1 : len(b)-1]), p[1 : len(p)-1]}
}

// asciiJSON rewrites every non-ASCII character of a JSON string as \uXXXX
// (surrogate pairs beyond the BMP), with the hex digits in format.
func asciiJSON(j, format string) string {
	var b strings.Builder
	for _, r := range j {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			b.WriteString(`\u` + fmt.Sprintf(format, 0xD800+(r>>10)) + `\u` + fmt.Sprintf(format, 0xDC00+(r&0x3FF)))
		default:
			b.WriteString(`\u` + fmt.Sprintf(format, r))
		}
	}
	return b.String()
}

// lowerHex writes the %XX escapes of u in lower case.
func lowerHex(u string) string {
	b := []byte(u)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = byte(unicode.ToLower(rune(b[i+1])))
			b[i+2] = byte(unicode.ToLower(rune(b[i+2])))
		}
	}
	return string(b)
}

// base64Core is the part of the encoding of s that does not depend on
// what comes before or after it, when s starts k bytes (mod 3) into the
// encoded data: base64("user:" + pass) holds base64Core(pass, 5%3).
func base64Core(enc *base64.Encoding, s string, k int) string {
	full := enc.WithPadding(base64.NoPadding).EncodeToString(append(make([]byte, k), s...))
	start := (8*k + 5) / 6      // first character made only of s's bits
	end := 8 * (k + len(s)) / 6 // characters wholly inside s
	if start >= end || end > len(full) {
		return ""
	}
	return full[start:end]
}

// jwtRE is compiled on first use (--debug), not at start-up: package
// initialisers run in every sesame process.
var jwtRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
})

// JWTs hides anything shaped like a JWT, registered or not (--debug).
func JWTs(s string) string { return jwtRE().ReplaceAllString(s, Mask) }

// URL strips user info from a URL for messages.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
