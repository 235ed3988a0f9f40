package credstore

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestOpenKinds(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{KindKeyring, KindFile, KindMemory} {
		f := newFakeKeyring()
		s, err := Open(kind, Options{Dir: t.TempDir(), backend: f, goos: "windows"})
		if err != nil || s.Name() != kind {
			t.Errorf("Open(%q) = %v, %v", kind, s, err)
		}
		// The hot path must not probe: the recorded store is used as is.
		if n := f.callCount(); n != 0 {
			t.Errorf("Open(%q) made %d keychain calls", kind, n)
		}
	}
	_, err := Open("vault", Options{})
	if clierr.Code(err) != clierr.Usage || !strings.Contains(err.Error(), "keyring, file, memory") {
		t.Errorf("Open(vault): err = %v (code %d), want exit 2 listing the kinds", err, clierr.Code(err))
	}
}

func TestOpenAuto(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fake   func(*fakeKeyring)
		env    map[string]string
		ci     bool
		want   string // store chosen
		notice string // part of the notice, "" for none
	}{
		{name: "keychain answers", want: KindKeyring,
			env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
		{name: "no session bus", want: KindFile, notice: "no OS keychain available (no D-Bus session bus"},
		{name: "no session bus in CI", ci: true, want: KindFile},
		{name: "keychain fails", want: KindFile, notice: "(boom)",
			fake: func(f *fakeKeyring) { f.err = errors.New("boom") },
			env:  map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKeyring()
			if tc.fake != nil {
				tc.fake(f)
			}
			dir := t.TempDir()
			var warn bytes.Buffer
			s, err := Open(KindAuto, Options{Dir: dir, Warn: &warn, CI: tc.ci, Getenv: env(tc.env), backend: f, goos: "linux"})
			if err != nil {
				t.Fatal(err)
			}
			if s.Name() != tc.want {
				t.Errorf("auto chose %s, want %s", s.Name(), tc.want)
			}
			if tc.notice == "" {
				if warn.Len() != 0 {
					t.Errorf("unexpected notice %q", warn.String())
				}
				return
			}
			n := warn.String()
			if !strings.Contains(n, tc.notice) ||
				!strings.Contains(n, "keeping credentials in plain-text files, mode 0600, under "+dir) || strings.Count(n, "\n") != 1 {
				t.Errorf("notice %q, want one line with %q and the folder", n, tc.notice)
			}
		})
	}
}

// auto against a keychain that hangs: falls back after one timeout.
func TestOpenAutoHungKeychain(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeKeyring()
		f.block = make(chan struct{})
		var warn bytes.Buffer
		start := time.Now()
		s, err := Open("", Options{Dir: t.TempDir(), Warn: &warn, backend: f, goos: "darwin"})
		if err != nil || s.Name() != KindFile {
			t.Fatalf("Open = %v, %v; want the file store", s, err)
		}
		if took := time.Since(start); took != DefaultTimeout {
			t.Errorf("auto decided after %v, want %v", took, DefaultTimeout)
		}
		if !strings.Contains(warn.String(), "no answer within 3s") {
			t.Errorf("notice %q", warn.String())
		}
		close(f.block)
	})
}

func TestProbe(t *testing.T) {
	t.Parallel()
	up := Probe(Options{backend: newFakeKeyring(), goos: "windows"})
	if !up.Available || up.Reason != "" {
		t.Errorf("Probe of a working keychain = %+v", up)
	}
	f := newFakeKeyring()
	down := Probe(Options{backend: f, goos: "linux", Getenv: env(nil)})
	if down.Available || !strings.Contains(down.Reason, "no D-Bus session bus") || f.callCount() != 0 {
		t.Errorf("Probe without a bus = %+v after %d calls", down, f.callCount())
	}
}
