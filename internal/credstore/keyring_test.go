package credstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyringBackend with the limits and failure
// modes of the real ones.
type fakeKeyring struct {
	mu     sync.Mutex
	items  map[string]string // service + "\x00" + user → secret
	calls  int
	maxLen int           // refuse longer secrets (Windows: 2560); 0 = no limit
	block  chan struct{} // when non-nil, every call waits for it to close
	err    error         // when non-nil, every call fails with it
	// beforeGet runs (unlocked) before each Get of user; tests use it to
	// interleave a concurrent writer.
	beforeGet func(user string)
}

func newFakeKeyring() *fakeKeyring {
	return &fakeKeyring{items: make(map[string]string), maxLen: 2560}
}

// newFakeKeyringStore returns a keyring store on f with a session bus
// "present", so the D-Bus rule lets calls through.
func newFakeKeyringStore(f *fakeKeyring) *keyringStore {
	return newKeyring(KeyringOptions{GOOS: "linux", Getenv: env(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/fake"})}, f)
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func (f *fakeKeyring) enter() error {
	f.mu.Lock()
	f.calls++
	block, err := f.block, f.err
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	return err
}

func (f *fakeKeyring) Set(service, user, password string) error {
	if err := f.enter(); err != nil {
		return err
	}
	if f.maxLen > 0 && len(password) > f.maxLen {
		return keyring.ErrSetDataTooBig
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[service+"\x00"+user] = password
	return nil
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.enter(); err != nil {
		return "", err
	}
	if f.beforeGet != nil {
		f.beforeGet(user)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.enter(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := service + "\x00" + user
	if _, ok := f.items[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, k)
	return nil
}

func (f *fakeKeyring) users() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var us []string
	for k := range f.items {
		us = append(us, strings.SplitN(k, "\x00", 2)[1])
	}
	return us
}

func (f *fakeKeyring) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func TestKeyringChunking(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size, items int // items: head + chunks the value occupies
	}{
		{0, 1}, {1, 1}, {1800, 1}, {1801, 3}, {2560, 3}, {4096, 4}, {10000, 7}, {MaxKeyringValue, 38},
	} {
		t.Run(strconv.Itoa(tc.size), func(t *testing.T) {
			t.Parallel()
			f := newFakeKeyring()
			s := newFakeKeyringStore(f)
			want := randomBytes(7, tc.size)
			if err := s.Set("tdx", want); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if n := len(f.users()); n != tc.items {
				t.Errorf("value of %d bytes occupies %d items (%v), want %d", tc.size, n, f.users(), tc.items)
			}
			for k, v := range f.items {
				// No item may need more than the smallest backend limit.
				if len(v) > chunkSize+len(chunkedPrefix)+200 {
					t.Errorf("item %q holds %d bytes", k, len(v))
				}
			}
			got, err := s.Get("tdx")
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Get = %d bytes, %v; want the %d stored", len(got), err, len(want))
			}
			// Replacing with a small value leaves no old chunks behind.
			if err := s.Set("tdx", []byte("x")); err != nil {
				t.Fatal(err)
			}
			if us := f.users(); len(us) != 1 || us[0] != "tdx" {
				t.Errorf("after a small Set the keychain holds %v, want just the head", us)
			}
			if err := s.Delete("tdx"); err != nil {
				t.Fatal(err)
			}
			if us := f.users(); len(us) != 0 {
				t.Errorf("after Delete the keychain holds %v", us)
			}
		})
	}
}

func TestKeyringChunkedReplaceDeletesOldGeneration(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	s := newFakeKeyringStore(f)
	if err := s.Set("p", randomBytes(1, 5000)); err != nil {
		t.Fatal(err)
	}
	want := randomBytes(2, 7000)
	if err := s.Set("p", want); err != nil {
		t.Fatal(err)
	}
	if n := len(f.users()); n != 1+4 {
		t.Errorf("keychain holds %d items %v, want the head and 4 chunks", n, f.users())
	}
	if got, err := s.Get("p"); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get = %d bytes, %v", len(got), err)
	}
}

func TestKeyringTooBig(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	s := newFakeKeyringStore(f)
	err := s.Set("p", make([]byte, MaxKeyringValue+1))
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "--store file") {
		t.Fatalf("Set of %d bytes: err = %v (code %d), want exit 6 suggesting --store file", MaxKeyringValue+1, err, clierr.Code(err))
	}
	if n := f.callCount(); n != 0 {
		t.Errorf("an oversized Set made %d keychain calls", n)
	}
}

func TestKeyringDamaged(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(f *fakeKeyring)
	}{
		{"corrupt chunk", func(f *fakeKeyring) {
			for k, v := range f.items {
				if strings.HasSuffix(k, "#2") {
					f.items[k] = "X" + v[1:]
				}
			}
		}},
		{"missing chunk", func(f *fakeKeyring) {
			for k := range f.items {
				if strings.HasSuffix(k, "#3") {
					delete(f.items, k)
				}
			}
		}},
		{"foreign head", func(f *fakeKeyring) { f.items["sesame\x00p"] = "hunter2" }},
		{"bad head", func(f *fakeKeyring) { f.items["sesame\x00p"] = chunkedPrefix + `{"gen":"zz","chunks":1}` }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKeyring()
			s := newFakeKeyringStore(f)
			if err := s.Set("p", randomBytes(3, 5000)); err != nil {
				t.Fatal(err)
			}
			tc.damage(f)
			_, err := s.Get("p")
			if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "sesame logout p") {
				t.Fatalf("Get: err = %v (code %d), want exit 6 suggesting `sesame logout p`", err, clierr.Code(err))
			}
			// A damaged item can still be removed.
			if err := s.Delete("p"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := s.Get("p"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete: %v", err)
			}
		})
	}
}

// A reader that read the old head while a writer replaced the value finds
// the old chunks gone; it must follow the new head, not report damage.
func TestKeyringGetFollowsConcurrentSet(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	reader, writer := newFakeKeyringStore(f), newFakeKeyringStore(f)
	if err := writer.Set("p", randomBytes(4, 5000)); err != nil {
		t.Fatal(err)
	}
	want := randomBytes(5, 6000)
	var once sync.Once
	f.beforeGet = func(user string) {
		if strings.HasSuffix(user, "#1") {
			once.Do(func() {
				if err := writer.Set("p", want); err != nil {
					t.Errorf("concurrent Set: %v", err)
				}
			})
		}
	}
	got, err := reader.Get("p")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get = %d bytes, %v; want the new value of %d", len(got), err, len(want))
	}
}

func TestKeyringRefusesChunkNames(t *testing.T) {
	t.Parallel()
	s := newFakeKeyringStore(newFakeKeyring())
	for _, p := range []string{"", "p#1", probeUser} {
		if err := s.Set(p, []byte("x")); clierr.Code(err) != clierr.Store {
			t.Errorf("Set(%q): err = %v, want exit 6", p, err)
		}
	}
}

// SPEC §4: without a session bus, go-keyring must not be called at all
// (godbus would spawn dbus-launch).
func TestKeyringDBusRule(t *testing.T) {
	t.Parallel()
	runtimeDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(runtimeDir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	noBusDir := t.TempDir()
	for _, tc := range []struct {
		name   string
		goos   string
		env    map[string]string
		busDir string // where "godbus" looks; default runtimeDir
		asks   bool   // go-keyring is called
		reason string // part of the reason when it is not
	}{
		{name: "linux without bus", goos: "linux", env: nil, reason: "DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are unset"},
		{name: "linux autolaunch address", goos: "linux", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, reason: "unset"},
		{name: "linux runtime dir without bus", goos: "linux", env: map[string]string{"XDG_RUNTIME_DIR": noBusDir}, reason: "does not exist"},
		{name: "linux bus address", goos: "linux", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"}, asks: true},
		{name: "linux runtime dir bus", goos: "linux", env: map[string]string{"XDG_RUNTIME_DIR": runtimeDir}, asks: true},
		{name: "linux bus where godbus does not look", goos: "linux", env: map[string]string{"XDG_RUNTIME_DIR": runtimeDir}, busDir: "/run/user/4242", reason: "export DBUS_SESSION_BUS_ADDRESS"},
		{name: "freebsd without bus", goos: "freebsd", reason: "unset"},
		{name: "darwin", goos: "darwin", asks: true},
		{name: "windows", goos: "windows", asks: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKeyring()
			k := newKeyring(KeyringOptions{GOOS: tc.goos, Getenv: env(tc.env)}, f)
			k.busDir = runtimeDir
			if tc.busDir != "" {
				k.busDir = tc.busDir
			}
			for range 3 {
				_, err := k.Get("p")
				if tc.asks {
					if !errors.Is(err, ErrNotFound) {
						t.Fatalf("Get: err = %v, want ErrNotFound", err)
					}
					continue
				}
				if !errors.Is(err, ErrUnavailable) || clierr.Code(err) != clierr.Store ||
					!strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "--store file") {
					t.Fatalf("Get: err = %v (code %d), want exit 6, unavailable, %q and --store file", err, clierr.Code(err), tc.reason)
				}
			}
			want := 0
			if tc.asks {
				want = 3
			}
			if n := f.callCount(); n != want {
				t.Errorf("go-keyring was called %d times, want %d", n, want)
			}
		})
	}
}

// A keychain that never answers costs one timeout, and the store does not
// ask it again. synctest's fake clock makes this exact and sleep-free.
func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeKeyring()
		f.block = make(chan struct{})
		s := newKeyring(KeyringOptions{Timeout: 50 * time.Millisecond, GOOS: "windows"}, f)

		start := time.Now()
		_, err := s.Get("p")
		if took := time.Since(start); took != 50*time.Millisecond {
			t.Errorf("Get returned after %v, want the 50ms timeout", took)
		}
		if !errors.Is(err, ErrUnavailable) || clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "no answer within 50ms") {
			t.Fatalf("Get: err = %v, want exit 6 saying no answer within 50ms", err)
		}

		start = time.Now()
		for _, call := range []func() error{
			func() error { _, err := s.Get("p"); return err },
			func() error { return s.Set("p", []byte("x")) },
			func() error { return s.Delete("p") },
		} {
			if err := call(); !errors.Is(err, ErrUnavailable) {
				t.Errorf("later call: err = %v, want ErrUnavailable", err)
			}
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("later calls took %v, want no waiting", took)
		}
		if n := f.callCount(); n != 1 {
			t.Errorf("the keychain was asked %d times, want 1", n)
		}
		close(f.block) // let the abandoned call finish
	})
}

// Any backend failure other than not-found also makes the store give up on
// the keychain for the rest of the process.
func TestKeyringBackendErrorIsSticky(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	f.err = errors.New("dial unix /nowhere: connect: connection refused")
	s := newFakeKeyringStore(f)
	for range 3 {
		if err := s.Set("p", []byte("x")); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("Set: err = %v", err)
		}
	}
	if n := f.callCount(); n != 1 {
		t.Errorf("the keychain was asked %d times, want 1", n)
	}
}
