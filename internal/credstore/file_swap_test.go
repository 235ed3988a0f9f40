package credstore

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// A reader that meets another process's atomic write (rename over the
// item between its Lstat and its Open) reads the new item instead of
// failing: 64 `token show` renewing one session must all get it.
func TestFileGetDuringWrites(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		// Four readers in tight loops keep the file open all the time, and
		// Windows cannot rename over an open file, so the writer starves
		// past any bound. Readers that come and go, as sesame processes
		// do, are TestFileRenewalsComeAndGo.
		t.Skip("Windows cannot replace a file that is never closed")
	}
	dir := t.TempDir()
	a, b := []byte(`{"v":1,"session":"a"}`), []byte(`{"v":1,"session":"bb"}`)
	if err := NewFile(dir, nil).Set("tdx", a); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		w := NewFile(dir, nil)
		for i := 0; !stop.Load(); i++ {
			v := a
			if i%2 == 1 {
				v = b
			}
			if err := w.Set("tdx", v); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			r := NewFile(dir, nil)
			for range 1500 {
				got, err := r.Get("tdx")
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					t.Errorf("read %q: neither item whole", got)
					return
				}
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	writer.Wait()
}
