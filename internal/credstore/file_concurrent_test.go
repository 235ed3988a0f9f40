package credstore

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// Many sesame processes at once, each reading the session and sometimes
// writing a renewed one, all succeed. On Windows a rename over a file
// another reader has open fails for a moment ("access denied"), and so
// does an open during a rename; the file store waits those out (bounded),
// as Go's robustio does. Without that, 2 of 16 concurrent `token show`
// failed under Wine.
func TestFileRenewalsComeAndGo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := NewFile(dir, nil).Set("tdx", []byte(`{"v":1,"n":-1}`)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewFile(dir, nil)
			for i := range 20 {
				got, err := s.Get("tdx")
				if err != nil {
					t.Errorf("worker %d read %d: %v", g, i, err)
					return
				}
				if !bytes.HasPrefix(got, []byte(`{"v":1,"n":`)) || !bytes.HasSuffix(got, []byte(`}`)) {
					t.Errorf("worker %d read %q: not a whole item", g, got)
					return
				}
				if i%5 == g%5 {
					if err := s.Set("tdx", []byte(fmt.Sprintf(`{"v":1,"n":%d}`, g*100+i))); err != nil {
						t.Errorf("worker %d write %d: %v", g, i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
