package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/sesame-cli/sesame/internal/transport"
)

// Served is one fake listening on loopback.
type Served struct {
	Vendor Vendor
	// Base is the server's root, http://127.0.0.1:PORT.
	Base string
	// URL is what a profile's --url should be (AMS adds its app name).
	URL string
}

// Serve starts every fake on loopback. listen is the first fake's address
// (host:port; port 0 picks free ports); the others take the next ports when
// a port is given. The returned stop closes them all.
func Serve(listen string, o Options) ([]Served, func(), error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, nil, fmt.Errorf("--listen %q: want HOST:PORT", listen)
	}
	if !transport.IsLoopback(host) {
		return nil, nil, fmt.Errorf("--listen %q: the sandbox serves loopback addresses only", listen)
	}
	first, _ := strconv.Atoi(port)
	var out []Served
	var servers []*http.Server
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(ctx)
		}
	}
	for i, name := range Names() {
		v, err := New(name, o)
		if err != nil {
			stop()
			return nil, nil, err
		}
		p := "0"
		if first != 0 {
			p = strconv.Itoa(first + i)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err != nil {
			stop()
			return nil, nil, err
		}
		srv := &http.Server{Handler: v, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				_ = err // the listener is ours; nothing else to report to
			}
		}()
		base := "http://" + ln.Addr().String()
		out = append(out, Served{Vendor: v, Base: base, URL: ProfileURL(name, base)})
	}
	return out, stop, nil
}

// ProfileURL is the --url a profile uses for a fake served at base.
func ProfileURL(name, base string) string {
	if name == "ams" {
		return base + "/sandbox"
	}
	return base
}
