// Package origin is the one rule for "which server is this": the origin of a
// URL (scheme, host and port, with the default port spelled out) and whether
// two URLs share one. Credentials go to the origin a session was issued for
// and nowhere else, so every such check in sesame asks this package.
//
// It never fetches anything and never holds a secret.
package origin

import (
	"net"
	"net/url"
	"strings"
)

// defaultPorts are the ports a URL without one means.
var defaultPorts = map[string]string{"https": "443", "http": "80"}

// Of is the origin of raw: scheme://host:port in lower case, the port
// explicit (443 for https, 80 for http) and an IPv6 host in brackets. It is
// "" when raw is not an absolute URL with a host.
//
// The form is stored in session records (the session package's record.Origin), so it must
// not change.
func Of(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Hostname() == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = defaultPorts[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Same reports whether a and b are absolute URLs of one origin.
func Same(a, b string) bool {
	oa := Of(a)
	return oa != "" && oa == Of(b)
}

// Host is the host[:port] of raw as written, for messages ("tdx login to
// HOST: …"); "the instance" when raw has none. It never includes user
// information or a path, so it is safe to show.
func Host(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the instance"
}

// IsLoopback reports whether host names this machine: "localhost" itself or
// a literal loopback address (127.0.0.0/8, ::1). Names under .localhost are
// not: nothing guarantees that a resolver keeps them on this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
