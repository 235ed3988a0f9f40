package credstore

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// Store kinds, as users write them in --store, SESAME_STORE and the config.
const (
	KindAuto    = "auto"
	KindKeyring = "keyring"
	KindFile    = "file"
	KindMemory  = "memory"
)

// Kinds lists the store kinds Open accepts, for help text and completion.
func Kinds() []string { return []string{KindAuto, KindKeyring, KindFile, KindMemory} }

// Options is what Open and Probe need from the caller's world.
type Options struct {
	// Dir is the file store's folder; "" means DefaultDir().
	Dir string
	// Warn receives one-line notices and warnings for people (stderr);
	// nil discards them. Never data.
	Warn io.Writer
	// Notice receives auto's one-line fall-back notice; nil means Warn.
	// The caller may hold it back (login prints it once per profile, after
	// the login succeeded).
	Notice io.Writer
	// CI silences auto's fall-back notice (SPEC §4: none when CI is set).
	CI bool
	// Timeout bounds each keychain call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Getenv reads the environment for the D-Bus rule; nil means os.Getenv.
	Getenv func(string) string

	// Test seams: a fake keychain and platform. nil and "" mean the real
	// go-keyring and runtime.GOOS.
	backend keyringBackend
	goos    string
}

// DefaultDir is where the file store keeps sessions:
// os.UserConfigDir()/sesame/sessions (SPEC §4).
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", clierr.New(clierr.Store, "file store: no config folder to keep sessions in (%v); set HOME (or XDG_CONFIG_HOME)", err)
	}
	return filepath.Join(base, "sesame", "sessions"), nil
}

// Open returns the Store of the given kind; "" means auto.
//
// keyring, file and memory cost nothing up front: no probing, no disk or
// keychain access until the first call, so that `token show` on a profile
// whose store was recorded at login does exactly one read. auto probes the
// keychain (at most one Timeout) and falls back to the file store with a
// one-line notice on o.Warn, unless o.CI; the returned Store's Name() is
// what was chosen, for the profile to record.
//
// An unknown kind is a clierr.Usage error that lists the kinds.
func Open(kind string, o Options) (Store, error) {
	switch kind {
	case KindKeyring:
		return o.keyring(), nil
	case KindFile:
		dir, err := o.dir()
		if err != nil {
			return nil, err
		}
		return NewFile(dir, o.Warn), nil
	case KindMemory:
		return NewMemory(), nil
	case KindAuto, "":
		k := o.keyring()
		reason := keyringProbe(k)
		if reason == "" {
			// Hand back the probed instance: it already knows the answer,
			// and if the keychain dies later it will not be asked twice.
			return k, nil
		}
		dir, err := o.dir()
		if err != nil {
			return nil, err
		}
		notice := o.Notice
		if notice == nil {
			notice = o.Warn
		}
		if !o.CI && notice != nil {
			fmt.Fprintf(notice, "no OS keychain available (%s); keeping credentials in plain-text files, mode 0600, under %s\n", reason, dir)
		}
		return NewFile(dir, o.Warn), nil
	default:
		return nil, clierr.New(clierr.Usage, "unknown credential store %q: use one of %s", kind, strings.Join(Kinds(), ", "))
	}
}

// ProbeResult says whether the OS keychain answered, how long asking
// took, and, when it did not answer, why (for `sesame doctor`).
type ProbeResult struct {
	Available bool
	Took      time.Duration
	Reason    string
}

// Probe asks the OS keychain for an item that cannot exist and reports
// whether it answered within o.Timeout. It obeys the D-Bus rule, so on a
// Linux without a session bus it returns at once without calling
// go-keyring. It takes at most one Timeout.
func Probe(o Options) ProbeResult {
	start := time.Now()
	reason := keyringProbe(o.keyring())
	return ProbeResult{Available: reason == "", Took: time.Since(start), Reason: reason}
}

func (o Options) keyring() *keyringStore {
	b := o.backend
	if b == nil {
		b = goKeyring{}
	}
	return newKeyring(KeyringOptions{Timeout: o.Timeout, Getenv: o.Getenv, GOOS: o.goos}, b)
}

func (o Options) dir() (string, error) {
	if o.Dir != "" {
		return o.Dir, nil
	}
	return DefaultDir()
}
