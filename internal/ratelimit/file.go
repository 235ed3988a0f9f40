package ratelimit

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// File is a Store that every sesame process of one host shares: one small
// JSON file per profile (methods → State), beside the session store, read
// and rewritten under the OS file lock (go-internal lockedfile, as the
// renewal lock), 0600 in a 0700 folder. It holds counts and times only.
type File struct {
	Path string

	mu sync.Mutex // one goroutine at a time takes the OS lock
}

// entries older than keepFor are dropped on write, so the file stays small.
const keepFor = time.Hour

func (f *File) edit(fn func(m map[string]State) bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	fh, err := lockedfile.OpenFile(f.Path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer fh.Close()
	data, err := io.ReadAll(fh)
	if err != nil {
		return err
	}
	m := map[string]State{}
	if len(data) > 0 && json.Unmarshal(data, &m) != nil {
		m = map[string]State{} // a torn or foreign file: start afresh
	}
	if !fn(m) {
		return nil
	}
	out, err := json.Marshal(m)
	if err != nil {
		return err
	}
	// Write over, then cut to length: truncating to zero first would make
	// ext4 flush the file on close (its auto_da_alloc), a millisecond or
	// more on every request.
	if _, err := fh.WriteAt(out, 0); err != nil {
		return err
	}
	return fh.Truncate(int64(len(out)))
}

// Update implements Store.
func (f *File) Update(_ context.Context, key string, fn func(s *State)) error {
	return f.edit(func(m map[string]State) bool {
		s := m[key]
		before := s
		fn(&s)
		if s == before {
			return false
		}
		m[key] = s
		cut := time.Now().Add(-keepFor)
		for k, v := range m {
			if k != key && v.Seen.Before(cut) && v.Reset.Before(cut) && v.Blocked.Before(cut) {
				delete(m, k)
			}
		}
		return true
	})
}

// All implements Store.
func (f *File) All(context.Context) (map[string]State, error) {
	b, err := lockedfile.Read(f.Path)
	if os.IsNotExist(err) {
		return map[string]State{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]State{}
	if json.Unmarshal(b, &m) != nil {
		return map[string]State{}, nil
	}
	return m, nil
}
