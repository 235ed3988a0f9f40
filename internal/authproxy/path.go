package authproxy

import (
	"errors"
	"net/url"
	"strings"
)

// errPath is a path the proxy will not forward because servers could read
// it in more than one way.
var errPath = errors.New("path")

// CleanPath is the one reading of a request path that the proxy checks and
// forwards (SPEC §5a "allow-lists hold"): raw is the path as escaped on the
// wire. It is decoded once and its dot segments resolved (RFC 3986
// §5.2.4), runs of slashes become one (as nginx's merge_slashes and IIS
// read them). A path servers disagree on is refused rather than guessed
// at: an encoded slash or backslash (%2F, %5C) or a raw backslash, a
// control character, a ';' path parameter (Tomcat reads "..;" as ".."),
// or a '%' left after decoding (it would change under a second decoding).
//
// The result has no dot segment, no '%' and no '\', so escaping it and
// decoding it again gives it back: the vendor receives exactly the path
// that the allow-list and the login-path rule were checked against.
func CleanPath(raw string) (string, error) {
	if raw == "" {
		return "/", nil
	}
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(raw, `\`) {
		return "", errors.Join(errPath, errors.New("an encoded slash or a backslash"))
	}
	s, err := url.PathUnescape(raw)
	if err != nil {
		return "", errors.Join(errPath, errors.New("a malformed %-escape"))
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return "", errors.Join(errPath, errors.New("a control character"))
		case c == '%':
			return "", errors.Join(errPath, errors.New("a '%' after decoding (double encoding)"))
		case c == ';':
			return "", errors.Join(errPath, errors.New("a ';' path parameter"))
		case c == '\\':
			return "", errors.Join(errPath, errors.New("an encoded slash or a backslash"))
		}
	}
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	out := removeDotSegments(s)
	for _, seg := range strings.Split(out, "/") {
		if seg == "." || seg == ".." {
			return "", errors.Join(errPath, errors.New("dot segments"))
		}
	}
	return out, nil
}

// removeDotSegments resolves "." and ".." (RFC 3986 §5.2.4) on segments,
// after merging runs of slashes; ".." never climbs above the root.
func removeDotSegments(p string) string {
	trailing := strings.HasSuffix(p, "/")
	var out []string
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case "":
			continue
		case ".":
			trailing = trailing || last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = trailing || last
		default:
			out = append(out, seg)
		}
	}
	r := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		r += "/"
	}
	return r
}
