// Package curlargs finds the request URLs in a curl command line, so that
// `sesame curl` can point the ones of the profile's origin at its
// authenticating proxy. It never changes an argument's meaning and decides
// nothing about credentials: curl never holds one (SPEC §5), so a value
// mistaken for a URL, or a URL missed, can cost a request its
// authentication but cannot leak anything. HandOver moves the URLs sesame
// points at its proxy (whose path carries the run's capability) off the
// command line into -K configs read at the same place, which curl treats
// exactly as the URL itself.
package curlargs

import (
	"strings"
	"sync"
)

// Long options that take a value, and those that do not (curl 7.88). curl
// accepts any unambiguous prefix of a long option ("--locat"); knowing both
// lists tells "--head" (a switch) from "--hea" (ambiguous) and "--head" from
// "--header". The sets are built on first use, not at start-up: package
// initialisers run in every sesame process, `token show` included.
var (
	longWithValue = sync.OnceValue(func() map[string]bool { return set(longWithValueNames) })
	longSwitch    = sync.OnceValue(func() map[string]bool { return set(longSwitchNames) })
)

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
trace-config unix-socket upload-file url url-query user user-agent variable write-out
libcurl parallel-max rate tftp-blksize`

const longSwitchNames = `anyauth append basic cert-status compressed compressed-ssh create-dirs crlf digest disable
disable-eprt disable-epsv disallow-username-in-url doh-cert-status doh-insecure fail fail-early
fail-with-body false-start form-escape ftp-create-dirs ftp-pasv ftp-pret ftp-skip-pasv-ip
ftp-ssl-ccc ftp-ssl-control get globoff haproxy-protocol head http0.9 http1.0 http1.1 http2
http2-prior-knowledge http3 http3-only ignore-content-length include insecure ipv4 ipv6
junk-session-cookies list-only location location-trusted mail-rcpt-allowfails manual metalink
negotiate netrc netrc-optional next no-alpn no-buffer no-clobber no-keepalive no-npn
no-progress-meter no-sessionid ntlm ntlm-wb parallel parallel-immediate path-as-is post301
post302 post303 progress-bar proxy-anyauth proxy-basic proxy-digest proxy-insecure
proxy-negotiate proxy-ntlm proxy-ssl-allow-beast proxy-ssl-auto-client-cert proxy-tlsv1
proxytunnel raw remote-header-name remote-name remote-name-all remote-time remove-on-error
retry-all-errors retry-connrefused sasl-ir show-error silent socks5-basic socks5-gssapi
socks5-gssapi-nec ssl ssl-allow-beast ssl-auto-client-cert ssl-no-revoke ssl-reqd
ssl-revoke-best-effort sslv2 sslv3 styled-output suppress-connect-headers tcp-fastopen
tcp-nodelay tftp-no-options tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 tr-encoding trace-time
use-ascii verbose version xattr`

// Short options that take a value.
const shortWithValue = "bcdeDEFHKmoPQrtTuUwxXYyzAC"

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// long resolves a long option name the way curl does: an exact name, else
// the one option it is a prefix of. ok is false for an unknown or
// ambiguous name.
func long(name string) (full string, takesValue, ok bool) {
	if longWithValue()[name] {
		return name, true, true
	}
	if longSwitch()[name] {
		return name, false, true
	}
	found, val, n := "", false, 0
	for o := range longWithValue() {
		if strings.HasPrefix(o, name) {
			found, val, n = o, true, n+1
		}
	}
	for o := range longSwitch() {
		if strings.HasPrefix(o, name) {
			found, n = o, n+1
		}
	}
	if n != 1 {
		// Unknown or ambiguous: curl itself refuses the line. An ambiguous
		// name is read as taking a value when any of its matches does,
		// never by map order.
		return "", val, false
	}
	return found, val, true
}

// Args is a scanned curl command line.
type Args struct {
	argv    []string
	urlIdx  []int // positions of request URLs (positional, --url's value, after --)
	urlKind []kind
	nextIdx []int // positions of -: / --next
	// CACert is the value of the caller's --cacert, if any.
	CACert string
}

// kind is where a request URL stands on the line.
type kind uint8

const (
	positional kind = iota
	optionValue
	afterDashes
)

// Parse scans argv (the arguments after `sesame curl`).
func Parse(argv []string) *Args {
	a := &Args{argv: append([]string(nil), argv...)}
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		switch {
		case arg == "--":
			for j := i + 1; j < len(argv); j++ {
				a.urlIdx = append(a.urlIdx, j)
				a.urlKind = append(a.urlKind, afterDashes)
			}
			return a
		case strings.HasPrefix(arg, "--"):
			name := strings.TrimPrefix(arg[2:], "no-")
			full, val, ok := long(name)
			if !ok {
				full, val, _ = long(arg[2:])
			}
			if full == "next" {
				a.nextIdx = append(a.nextIdx, i)
			}
			if val && i+1 < len(argv) {
				a.option(full, argv[i+1], i+1)
				i++
			}
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			// A cluster of short switches; the first that takes a value
			// takes the rest of the cluster or the next argument.
			for j := 1; j < len(arg); j++ {
				c := arg[j]
				if c == ':' {
					a.nextIdx = append(a.nextIdx, i)
				}
				if strings.IndexByte(shortWithValue, c) >= 0 {
					if j+1 < len(arg) {
						// the value is attached: nothing to skip
					} else if i+1 < len(argv) {
						i++
					}
					break
				}
			}
		default:
			a.urlIdx = append(a.urlIdx, i)
			a.urlKind = append(a.urlKind, positional)
		}
	}
	return a
}

func (a *Args) option(name, val string, idx int) {
	switch name {
	case "url":
		a.urlIdx = append(a.urlIdx, idx)
		a.urlKind = append(a.urlKind, optionValue)
	case "cacert":
		a.CACert = val
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

// Nexts are the positions of -: / --next, each of which starts a new set of
// per-request options.
func (a *Args) Nexts() []int { return append([]int(nil), a.nextIdx...) }

// HandOver moves request URLs off the command line into configs that curl
// reads with -K at the URL's own place, so that a URL carrying a secret
// (sesame's proxy capability) is never in curl's argv. hand(n) says
// whether the n-th URL moves; config(k) names the k-th config. It returns
// the new argv and, for each config k, the number of the URL it must
// carry as its `url = ` line.
//
// A -K is read where it stands, so each URL keeps its place among the
// others and its --next group; --url U becomes -K PATH. After "--" no
// option is read, so when one of the URLs there moves they all do, in
// order, and the "--" goes.
func (a *Args) HandOver(hand func(n int) bool, config func(k int) string) (argv []string, carries []int) {
	moved := map[int]int{} // argv index → URL number
	dashes := -1
	for n, idx := range a.urlIdx {
		if a.urlKind[n] == afterDashes && hand(n) {
			dashes = idx
			break
		}
	}
	for n, idx := range a.urlIdx {
		if hand(n) || (dashes >= 0 && a.urlKind[n] == afterDashes) {
			moved[idx] = n
		}
	}
	for i := 0; i < len(a.argv); i++ {
		if n, ok := moved[i]; ok {
			if a.urlKind[n] == optionValue {
				argv = argv[:len(argv)-1] // the --url before it
			}
			argv = append(argv, "-K", config(len(carries)))
			carries = append(carries, n)
			continue
		}
		if dashes >= 0 && a.argv[i] == "--" && i < dashes && a.afterDashesFrom(i) {
			continue
		}
		argv = append(argv, a.argv[i])
	}
	return argv, carries
}

// afterDashesFrom reports whether the "--" at i is the one that ends the
// options (every URL after it is of kind afterDashes).
func (a *Args) afterDashesFrom(i int) bool {
	for n, idx := range a.urlIdx {
		if a.urlKind[n] == afterDashes {
			return idx == i+1
		}
	}
	return false
}
