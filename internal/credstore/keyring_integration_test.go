package credstore

// Tests against the REAL go-keyring backend (on Linux: a Secret Service
// daemon over D-Bus). They run only with SESAME_KEYRING_TESTS=1, which
// .ci/keyring-tests.sh sets inside a throw-away dbus + gnome-keyring
// session; elsewhere they skip and say so. They use service
// "sesame-test" and random profile names, and delete what they write.

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func requireRealKeyring(t *testing.T) *keyringStore {
	t.Helper()
	if os.Getenv("SESAME_KEYRING_TESTS") != "1" {
		t.Skip("real keychain tests: set SESAME_KEYRING_TESTS=1 (see .ci/keyring-tests.sh)")
	}
	k := newKeyring(KeyringOptions{}, goKeyring{})
	k.service = "sesame-test"
	return k
}

// realProfile returns a fresh profile name and removes its items at the end.
func realProfile(t *testing.T, k *keyringStore) string {
	p := "it-" + newGen()
	t.Cleanup(func() {
		if err := k.Delete(p); err != nil {
			t.Errorf("cleanup Delete(%s): %v", p, err)
		}
	})
	return p
}

func timed[T any](f func() T) (T, time.Duration) {
	start := time.Now()
	v := f()
	return v, time.Since(start)
}

func TestKeyringRealRoundTrip(t *testing.T) {
	k := requireRealKeyring(t)
	p := realProfile(t, k)
	// One item, chunked at the boundary, the 3000-byte case (over the
	// Windows limit, near the macOS one), and a 10 KB value; binary bytes,
	// so nothing assumes text.
	for _, n := range []int{0, 40, 1800, 1801, 3000, 10 << 10} {
		// Five rounds each, reporting the median, as a measurement of
		// what a login (Set) and a `token show` (Get) cost.
		var sets, gets []time.Duration
		for round := range 5 {
			want := randomBytes(uint64(n+round), n)
			err, setTook := timed(func() error { return k.Set(p, want) })
			if err != nil {
				t.Fatalf("Set %d bytes: %v", n, err)
			}
			type got struct {
				v   []byte
				err error
			}
			g, getTook := timed(func() got { v, err := k.Get(p); return got{v, err} })
			if g.err != nil || !bytes.Equal(g.v, want) {
				t.Fatalf("Get after Set of %d bytes = %d bytes, %v", n, len(g.v), g.err)
			}
			sets, gets = append(sets, setTook), append(gets, getTook)
		}
		items := 1
		if n > chunkSize {
			items += (n + chunkSize - 1) / chunkSize
		}
		t.Logf("%6d bytes (%d items): median Set %v, Get %v", n, items, median(sets), median(gets))
	}
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2].Round(10 * time.Microsecond)
}

func TestKeyringRealChunkLayout(t *testing.T) {
	k := requireRealKeyring(t)
	p := realProfile(t, k)
	if err := k.Set(p, randomBytes(1, 10<<10)); err != nil {
		t.Fatal(err)
	}
	// Look at the raw items: a head plus 6 chunks, each small enough for
	// every backend.
	head, err := goKeyring{}.Get(k.service, p)
	if err != nil || !strings.HasPrefix(head, chunkedPrefix) {
		t.Fatalf("raw head = %.40q, %v", head, err)
	}
	_, h, err := parseHead(head)
	if err != nil || h.Chunks != 6 {
		t.Fatalf("head %q: %+v, %v", head, h, err)
	}
	for i := 1; i <= h.Chunks; i++ {
		v, err := goKeyring{}.Get(k.service, chunkUser(p, h.Gen, i))
		if err != nil || len(v) > chunkSize {
			t.Errorf("chunk %d: %d bytes, %v", i, len(v), err)
		}
	}
	// Overwrite with a small value: the chunks go away.
	if err := k.Set(p, []byte("small")); err != nil {
		t.Fatal(err)
	}
	if _, err := (goKeyring{}).Get(k.service, chunkUser(p, h.Gen, 1)); err == nil {
		t.Errorf("old chunk 1 still in the keychain after overwrite")
	}
	if got, err := k.Get(p); err != nil || string(got) != "small" {
		t.Errorf("Get after overwrite = %q, %v", got, err)
	}
}

func TestKeyringRealOverwriteAndDelete(t *testing.T) {
	k := requireRealKeyring(t)
	p := realProfile(t, k)
	for _, v := range []string{"first", "second", strings.Repeat("x", 5000), "third"} {
		if err := k.Set(p, []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(p); err != nil || string(got) != v {
			t.Fatalf("Get = %.20q (%d bytes), %v; want %.20q", got, len(got), err, v)
		}
	}
	if err := k.Set(p, randomBytes(2, 10<<10)); err != nil {
		t.Fatal(err)
	}
	head, _ := goKeyring{}.Get(k.service, p)
	_, h, _ := parseHead(head)
	if err := k.Delete(p); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(p); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if h == nil {
		t.Fatal("no chunked head before Delete")
	}
	for i := 1; i <= h.Chunks; i++ {
		if _, err := (goKeyring{}).Get(k.service, chunkUser(p, h.Gen, i)); err == nil {
			t.Errorf("chunk %d survived Delete", i)
		}
	}
	if err := k.Delete(p); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if r := Probe(Options{}); !r.Available {
		t.Errorf("Probe of the real keychain = %+v", r)
	} else {
		t.Logf("Probe: available, took %v", r.Took.Round(time.Microsecond))
	}
}

// autoChild is the child side of the subprocess tests below: it opens the
// auto store with the real backend and the environment it was given, and
// reports the choice and the time taken.
func autoChild(dir string) {
	start := time.Now()
	s, err := Open(KindAuto, Options{Dir: dir, Warn: os.Stderr})
	if err != nil {
		fmt.Printf("error=%v\n", err)
		os.Exit(1)
	}
	fmt.Printf("store=%s took=%s\n", s.Name(), time.Since(start))
	os.Exit(0)
}

// runAutoChild re-runs this test binary as autoChild with env changes
// (value "" removes a variable). A child is needed because godbus caches
// its session-bus connection per process and reads the real environment.
func runAutoChild(t *testing.T, test string, env map[string]string) (stdout, stderr string, wall time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	for _, kv := range os.Environ() {
		if _, ok := env[strings.SplitN(kv, "=", 2)[0]]; !ok {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	// GORACE: a -race binary otherwise sleeps 1s at exit, which would
	// blur the wall-clock check.
	cmd.Env = append(cmd.Env, "SESAME_CREDSTORE_AUTO_CHILD="+t.TempDir(), "GORACE=atexit_sleep_ms=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall = time.Since(start)
	if err != nil {
		t.Fatalf("child: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	return out.String(), errb.String(), wall
}

// A session bus address that points at a socket nobody listens on: auto
// must fall back to the file store with its notice at once, not hang.
func TestKeyringRealAutoDeadBus(t *testing.T) {
	if dir := os.Getenv("SESAME_CREDSTORE_AUTO_CHILD"); dir != "" {
		autoChild(dir)
	}
	requireRealKeyring(t)
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("D-Bus only")
	}
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close() // the socket file stays; connecting to it is refused

	out, notice, wall := runAutoChild(t, "TestKeyringRealAutoDeadBus", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + sock})
	t.Logf("child: %s notice: %s wall (incl. process start): %v", strings.TrimSpace(out), strings.TrimSpace(notice), wall.Round(time.Millisecond))
	if !strings.HasPrefix(out, "store=file ") {
		t.Errorf("auto chose %q, want the file store", out)
	}
	if !strings.Contains(notice, "no OS keychain available (") || !strings.Contains(notice, "mode 0600") {
		t.Errorf("notice = %q", notice)
	}
	_, after, _ := strings.Cut(out, "took=")
	took, err := time.ParseDuration(strings.TrimSpace(after))
	if err != nil || took >= time.Second || wall > DefaultTimeout+2*time.Second {
		t.Errorf("auto took %v (child wall %v, %v); want well under the %v timeout", took, wall, err, DefaultTimeout)
	}
}

// No bus address and no $XDG_RUNTIME_DIR/bus: auto must choose the file
// store without running dbus-launch. A dbus-launch early in PATH records
// any attempt.
func TestKeyringRealNoBusNoAutolaunch(t *testing.T) {
	if dir := os.Getenv("SESAME_CREDSTORE_AUTO_CHILD"); dir != "" {
		autoChild(dir)
	}
	requireRealKeyring(t)
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("D-Bus only")
	}
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, notice, wall := runAutoChild(t, "TestKeyringRealNoBusNoAutolaunch", map[string]string{
		"DBUS_SESSION_BUS_ADDRESS": "",
		"XDG_RUNTIME_DIR":          t.TempDir(),
		"PATH":                     bin + string(os.PathListSeparator) + os.Getenv("PATH"),
	})
	t.Logf("child: %s notice: %s wall: %v", strings.TrimSpace(out), strings.TrimSpace(notice), wall.Round(time.Millisecond))
	if !strings.HasPrefix(out, "store=file ") || !strings.Contains(notice, "no D-Bus session bus") {
		t.Errorf("auto: %q, notice %q; want the file store for lack of a bus", out, notice)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("dbus-launch was run")
	}
}
