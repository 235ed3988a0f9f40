// Package curlargs reads a curl command line well enough for sesame to add
// credentials safely: which arguments are request URLs, whether redirects
// are followed, whether a body or upload comes from stdin, and how many
// redirects are allowed. It never changes an argument's meaning; it only
// finds and replaces URLs, and drops -L when sesame follows redirects itself.
package curlargs

import (
	"strings"
	"sync"
)

// Long options that take a value (curl 7.88). Anything not listed is taken
// as a switch; a value mistaken for a URL would only lose credentials, never
// leak them, because credentials go only to URLs of the profile's origin.
// The set is built on first use, not at start-up: package initialisers run
// in every sesame process, `token show` included.
var longWithValue = sync.OnceValue(func() map[string]bool { return set(longWithValueNames) })

const longWithValueNames = `abstract-unix-socket alt-svc aws-sigv4 cacert capath cert cert-type ciphers
config connect-timeout connect-to continue-at cookie cookie-jar create-file-mode crlfile curves
data data-ascii data-binary data-raw data-urlencode delegation dns-interface dns-ipv4-addr
dns-ipv6-addr dns-servers doh-url dump-header egd-file engine etag-compare etag-save
expect100-timeout form form-string ftp-account ftp-alternative-to-user ftp-method ftp-port
ftp-ssl-ccc-mode happy-eyeballs-timeout-ms haproxy-clientip header help hostpubmd5 hostpubsha256 hsts interface
json keepalive-time key key-type krb limit-rate local-port login-options mail-auth mail-from
mail-rcpt max-filesize max-redirs max-time netrc-file noproxy oauth2-bearer output output-dir
pass pinnedpubkey preproxy proto proto-default proto-redir proxy proxy-cacert proxy-capath
proxy-cert proxy-cert-type proxy-ciphers proxy-crlfile proxy-header proxy-key proxy-key-type
proxy-pass proxy-pinnedpubkey proxy-service-name proxy-tls13-ciphers proxy-tlsauthtype
proxy-tlspassword proxy-tlsuser proxy-user proxy1.0 pubkey quote random-file range referer
request request-target resolve retry retry-delay retry-max-time sasl-authzid service-name
socks4 socks4a socks5 socks5-gssapi-service socks5-hostname speed-limit speed-time stderr
telnet-option time-cond tls-max tls13-ciphers tlsauthtype tlspassword tlsuser trace trace-ascii
trace-config unix-socket upload-file url url-query user user-agent variable write-out`

// Short options that take a value.
const shortWithValue = "bcdeDEFHKmoPQrtTuUwxXYyzAC"

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Args is a scanned curl command line.
type Args struct {
	argv []string
	// urlIdx are the indexes in argv of request URLs (positional or --url's value).
	urlIdx []int
	// locIdx are the indexes of -L/--location/--location-trusted switches,
	// or of short clusters holding L.
	locIdx []int
	// Location is set when redirects are followed (-L, --location).
	Location bool
	// Trusted is set by --location-trusted (credentials to every host).
	Trusted bool
	// StdinBody is set when a request body or upload is read from stdin,
	// so the request cannot be sent twice.
	StdinBody bool
	// Body is set when the request sends a body (-d, -F, -T, --json, …).
	Body bool
	// MaxRedirs is --max-redirs, or -1 when not given.
	MaxRedirs int
	// UsesConfig is set when the caller passes their own -K/--config, whose
	// URLs sesame cannot see.
	UsesConfig bool
	// DumpHeader is the caller's -D/--dump-header target, if any.
	DumpHeader string
	// Next is set when -:/--next splits the line into several requests.
	Next bool
}

// Parse scans argv (the arguments after `sesame curl`).
func Parse(argv []string) *Args {
	a := &Args{argv: append([]string(nil), argv...), MaxRedirs: -1}
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		switch {
		case strings.HasPrefix(arg, "--") && len(arg) > 2:
			name, val, hasVal := strings.Cut(arg[2:], "=")
			_ = hasVal // curl itself has no --opt=value form; it is kept literal
			name = strings.TrimPrefix(name, "no-")
			if longWithValue()[name] && !hasVal {
				if i+1 < len(argv) {
					a.option(name, argv[i+1], i+1)
				}
				i++
				continue
			}
			a.option(name, val, -1)
			if name == "location" || name == "location-trusted" {
				a.locIdx = append(a.locIdx, i)
			}
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			// A cluster of short switches; the first that takes a value
			// takes the rest of the cluster or the next argument.
			for j := 1; j < len(arg); j++ {
				c := arg[j]
				if strings.IndexByte(shortWithValue, c) >= 0 {
					if j+1 < len(arg) {
						a.short(c, arg[j+1:], -1)
					} else if i+1 < len(argv) {
						a.short(c, argv[i+1], i+1)
						i++
					}
					break
				}
				a.short(c, "", -1)
				if c == 'L' {
					a.locIdx = append(a.locIdx, i)
				}
			}
		default:
			a.urlIdx = append(a.urlIdx, i)
		}
	}
	return a
}

var shortNames = map[byte]string{
	'd': "data", 'F': "form", 'T': "upload-file", 'K': "config", 'D': "dump-header",
	'L': "location", ':': "next",
}

func (a *Args) short(c byte, val string, idx int) {
	if n, ok := shortNames[c]; ok {
		a.option(n, val, idx)
	}
}

func (a *Args) option(name, val string, idx int) {
	switch name {
	case "url":
		if idx >= 0 {
			a.urlIdx = append(a.urlIdx, idx)
		}
	case "location":
		a.Location = true
	case "location-trusted":
		a.Location, a.Trusted = true, true
	case "data", "data-ascii", "data-binary", "data-urlencode", "json":
		a.Body = true
		// @- reads the body from stdin; data-urlencode also has name@-.
		if strings.HasPrefix(val, "@-") || strings.HasSuffix(val, "@-") {
			a.StdinBody = true
		}
	case "data-raw", "form-string":
		a.Body = true
	case "form":
		a.Body = true
		if strings.Contains(val, "=@-") || strings.Contains(val, "=<-") {
			a.StdinBody = true
		}
	case "upload-file":
		a.Body = true
		if val == "-" || val == "." {
			a.StdinBody = true
		}
	case "max-redirs":
		n := 0
		for _, r := range val {
			if r < '0' || r > '9' {
				n = -1
				break
			}
			n = n*10 + int(r-'0')
		}
		a.MaxRedirs = n
	case "config":
		a.UsesConfig = true
		if val == "-" {
			a.StdinBody = true // stdin is taken by the caller's config
		}
	case "dump-header":
		a.DumpHeader = val
	case "next":
		a.Next = true
	}
}

// URLs returns the request URLs in order.
func (a *Args) URLs() []string {
	out := make([]string, len(a.urlIdx))
	for i, idx := range a.urlIdx {
		out[i] = a.argv[idx]
	}
	return out
}

// SetURL replaces the n-th request URL.
func (a *Args) SetURL(n int, u string) { a.argv[a.urlIdx[n]] = u }

// Argv returns the (possibly rewritten) arguments.
func (a *Args) Argv() []string { return append([]string(nil), a.argv...) }

// WithoutLocation returns the arguments with redirect following turned off
// (for when sesame follows redirects itself). Argument positions do not
// move: --location becomes --no-location, and an L leaves its cluster.
func (a *Args) WithoutLocation() []string {
	out := a.Argv()
	for _, i := range a.locIdx {
		arg := out[i]
		if strings.HasPrefix(arg, "--") {
			out[i] = "--no-location"
			continue
		}
		if rest := strings.ReplaceAll(arg, "L", ""); rest != "-" {
			out[i] = rest
		} else {
			out[i] = "--no-location"
		}
	}
	return out
}

// URLIndex is the position in Argv of the n-th request URL.
func (a *Args) URLIndex(n int) int { return a.urlIdx[n] }
