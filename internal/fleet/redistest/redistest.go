// Package redistest starts a real redis-server on a free loopback port for
// tests: one per test (or per testscript), no persistence, stopped on
// cleanup. Without redis-server on PATH a test is skipped, unless CI is set:
// there the fleet tests must run (.ci/run installs Debian's redis-server).
package redistest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartDeadline bounds how long a server may take to answer PING.
const StartDeadline = 15 * time.Second

// Server is a running redis-server.
type Server struct {
	Port int
	// CAFile is the PEM file of the CA that signed a TLS server's
	// certificate; "" for a plain server.
	CAFile string
	dir    string
	tls    *tls.Config
	cmd    *exec.Cmd
	done   chan struct{}
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is redis://127.0.0.1:PORT, or rediss://localhost:PORT for TLS.
func (s *Server) URL() string {
	if s.tls != nil {
		return "rediss://" + net.JoinHostPort("localhost", strconv.Itoa(s.Port))
	}
	return "redis://" + s.Addr()
}

// ErrMissing means redis-server is not on PATH.
var ErrMissing = errors.New("redis-server is not on PATH (install it: apt-get install redis-server)")

// Start starts a server for t and stops it when t ends.
func Start(t testing.TB) *Server { return start(t, false) }

// StartTLS starts a TLS-only server (certificate for localhost and
// 127.0.0.1, signed by a fresh CA in s.CAFile) for t.
func StartTLS(t testing.TB) *Server { return start(t, true) }

func start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("redis-server is not on PATH; the fleet tests need a real Redis (apt-get install redis-server). In CI they must run.")
		}
		t.Fatal(ErrMissing)
	}
	s, err := newServer(t.TempDir(), withTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// New starts a server whose working folder is dir, on a free port.
func New(dir string) (*Server, error) { return newServer(dir, false) }

func newServer(dir string, withTLS bool) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, ErrMissing
	}
	quiet()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var tc *tls.Config
	var ca string
	if withTLS {
		var err error
		if tc, ca, err = makeCerts(dir); err != nil {
			return nil, err
		}
	}
	var last error
	// A free port can be taken between our probe and the server's bind;
	// a few tries make that race harmless.
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Port: port, dir: dir, tls: tc, CAFile: ca}
		if last = s.start(); last == nil {
			return s, nil
		}
	}
	return nil, last
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	args := []string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--protected-mode", "yes", "--loglevel", "warning"}
	if s.tls != nil {
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(s.Port),
			"--tls-cert-file", filepath.Join(s.dir, "server.pem"),
			"--tls-key-file", filepath.Join(s.dir, "server-key.pem"),
			"--tls-ca-cert-file", s.CAFile, "--tls-auth-clients", "no")
	}
	cmd := exec.Command("redis-server", args...)
	cmd.Stdout = nil
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	ctx, cancel := context.WithTimeout(context.Background(), StartDeadline)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second, TLSConfig: s.tls})
	defer c.Close()
	for {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server on port %d exited at start", s.Port)
		default:
		}
		if c.Ping(ctx).Err() == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			s.Stop()
			return fmt.Errorf("redis-server on port %d did not answer PING within %s", s.Port, StartDeadline)
		case <-s.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// quiet keeps go-redis's dial-failure log lines out of test output.
var quiet = sync.OnceFunc(func() { redis.SetLogger(nopLogger{}) })

type nopLogger struct{}

func (nopLogger) Printf(context.Context, string, ...any) {}

// Stop kills the server and waits for it; stopping twice is fine.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port after Stop.
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

// Admin returns a client with full rights (the default user), closed by
// the caller.
func (s *Server) Admin() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr(), DisableIdentity: true, TLSConfig: s.tls})
}
