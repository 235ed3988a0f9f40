package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
)

// lockQuick is how long lock waits before it starts watching ctx. Nearly
// every lock is free; not calling ctx.Done for those keeps the lazily armed
// Ctrl-C handler of `token show` unarmed (internal/cmd/interrupt.go).
const lockQuick = 20 * time.Millisecond

// holder is what the process holding a profile's lock writes in the lock
// file, so that a process that gives up waiting can say who it waited for.
type holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host,omitempty"`
	Since time.Time `json:"since"`
}

// lock takes the profile's lock (one file per store key, held by the OS and
// released if its holder dies). While another process holds it, lock waits
// up to LockWait, and returns early when ctx is cancelled (Ctrl-C: exit
// 130); giving up is an exit-6 error that names the profile and the holder.
func (m *manager) lock(ctx context.Context, p *config.Profile, key string) (func(), error) {
	if err := os.MkdirAll(m.LockDir, 0o700); err != nil {
		return nil, clierr.New(clierr.Store, "creating lock folder: %w", err)
	}
	path := filepath.Join(m.LockDir, key+".lock")
	type result struct {
		f   *lockedfile.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := lockedfile.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		ch <- result{f, err}
	}()
	took := func(r result) (func(), error) {
		if r.err != nil {
			return nil, clierr.New(clierr.Store, "locking profile %s: %w", p.Name, r.err)
		}
		host, _ := os.Hostname()
		if b, err := json.Marshal(holder{PID: os.Getpid(), Host: host, Since: time.Now()}); err == nil {
			if r.f.Truncate(0) == nil {
				_, _ = r.f.WriteAt(b, 0)
			}
		}
		return func() { _ = r.f.Close() }, nil
	}
	// abandon releases the lock should the goroutine still get it.
	abandon := func() {
		go func() {
			if r := <-ch; r.f != nil {
				_ = r.f.Close()
			}
		}()
	}

	quick := time.NewTimer(lockQuick)
	select {
	case r := <-ch:
		quick.Stop()
		return took(r)
	case <-quick.C:
	}
	wait := m.LockWait
	if wait <= 0 {
		wait = defaultLockWait
	}
	bound := time.NewTimer(wait)
	defer bound.Stop()
	select {
	case r := <-ch:
		return took(r)
	case <-ctx.Done():
		abandon()
		return nil, clierr.New(clierr.Interrupted, "interrupted while waiting for %s to finish with profile %s", whoHolds(path), p.Name)
	case <-bound.C:
		abandon()
		return nil, clierr.New(clierr.Store, "gave up after %s waiting for %s to finish renewing the session of profile %s; if it is stuck, end it and try again",
			wait.Round(time.Second), whoHolds(path), p.Name)
	}
}

// whoHolds describes the lock's holder from what it wrote in the file.
func whoHolds(path string) string {
	b, err := os.ReadFile(path)
	var h holder
	if err != nil || json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return "another sesame process"
	}
	s := fmt.Sprintf("another sesame (pid %d", h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	if !h.Since.IsZero() {
		s += ", holding it since " + h.Since.Local().Format("15:04:05")
	}
	return s + ")"
}
