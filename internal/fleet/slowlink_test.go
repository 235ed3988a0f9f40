package fleet_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

// latencyProxy forwards loopback TCP to target, holding every chunk for
// oneWay in each direction: a Redis a round trip of 2·oneWay away.
func latencyProxy(t *testing.T, target string, oneWay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	pipe := func(dst, src net.Conn) {
		type chunk struct {
			at   time.Time
			data []byte
		}
		ch := make(chan chunk, 64)
		go func() {
			defer close(ch)
			for {
				b := make([]byte, 32<<10)
				n, err := src.Read(b)
				if n > 0 {
					ch <- chunk{time.Now().Add(oneWay), b[:n]}
				}
				if err != nil {
					return
				}
			}
		}()
		for c := range ch {
			time.Sleep(time.Until(c.at)) // the link's latency itself
			if _, err := dst.Write(c.data); err != nil {
				break
			}
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, src)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
	return "redis://" + ln.Addr().String()
}

// A Redis 2 s away (a cross-region link, a loaded server): with the default
// timeout every call gets its answer, and a renewal is four round trips
// (HELLO, a read, the lock script, the commit script), where it used to
// fail at the 3 s timeout, or take 24 s with a 5 s one.
func TestRenewOverA2sLink(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits out a 2 s link four times")
	}
	srv := redistest.Start(t)
	s := open(t, fleet.Options{URL: latencyProxy(t, srv.Addr(), time.Second), Key: newKey(t)})
	calls, _ := fleet.CountRoundTrips(s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	it, err := s.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh,
		Login: func(context.Context, *fleet.Lock) ([]byte, time.Duration, error) {
			return sess("far", time.Now().Add(time.Hour)), 0, nil
		}})
	if err != nil || it == nil {
		t.Fatalf("renewal over a 2 s link with the default timeout: %v", err)
	}
	if n := calls.Load(); n != 4 {
		t.Fatalf("%d round trips, want 4", n)
	}
	t.Logf("a renewal over a 2 s link took %s (%d round trips)", time.Since(start).Round(100*time.Millisecond), calls.Load())
}
