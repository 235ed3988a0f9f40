package credstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/zalando/go-keyring"
)

// DefaultTimeout bounds each keychain call (SPEC §4: "answers within 3 s").
const DefaultTimeout = 3 * time.Second

// MaxKeyringValue is the largest item the keyring store keeps for one
// profile. Sessions are a few hundred bytes; anything near this is a bug
// or belongs in the file store. Larger items are refused, never truncated.
const MaxKeyringValue = 64 << 10

// ErrUnavailable is wrapped by every keyring error that means "there is no
// keychain to talk to here" (no D-Bus session bus, no answer in time, the
// backend failed). Test it with errors.Is; such errors carry clierr.Store.
var ErrUnavailable = errors.New("OS keychain unavailable")

// Item layout in the keychain, all under service "sesame".
//
// Backends limit the size of one secret: Windows Credential Manager
// refuses more than 2560 bytes, and macOS passes the secret, encoded, on a
// `security -i` command line of at most 4096 bytes (about 3 KB raw). So no
// item holds more than chunkSize raw bytes of the value:
//
//   - user PROFILE holds the head. A value of up to chunkSize bytes lives
//     in it whole: inlinePrefix + value.
//   - A larger value is cut into chunkSize pieces stored as users
//     PROFILE#GEN#1 … PROFILE#GEN#N, and the head is chunkedPrefix + JSON
//     {gen, chunks, size, sha256}. GEN is random per write, so a new value
//     never overwrites the chunks an old head points to: Set writes the new
//     chunks, then the head (the commit point), then deletes the old
//     generation. A reader thus finds the old value whole or the new one.
//
// '#' cannot occur in a profile name, so chunk users never collide with a
// profile, nor with probeUser.
const (
	keyringService = "sesame"
	chunkSize      = 1800
	inlinePrefix   = "sesame:"
	chunkedPrefix  = "sesame-chunks:"
	probeUser      = "#probe"
	// readAttempts bounds how often Get follows a head that changed under
	// it (a concurrent Set) before it calls the item damaged.
	readAttempts = 3
)

// chunkHead is the head item of a chunked value.
type chunkHead struct {
	Gen    string `json:"gen"`
	Chunks int    `json:"chunks"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// KeyringOptions configures NewKeyring; the zero value is right for real
// use. Getenv and GOOS exist so that tests can exercise the D-Bus rule.
type KeyringOptions struct {
	// Timeout bounds every single keychain call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Getenv reads DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR; nil means
	// os.Getenv.
	Getenv func(string) string
	// GOOS selects whether the D-Bus rule applies; "" means runtime.GOOS.
	GOOS string
}

// keyringBackend is the part of go-keyring we use. Unit tests put a fake
// here rather than calling keyring.MockInit, which swaps a process-wide
// provider and would forbid parallel tests.
type keyringBackend interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// goKeyring is the real backend: macOS Keychain, Windows Credential
// Manager or the Secret Service over D-Bus.
type goKeyring struct{}

func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// keyringStore is the keychain Store. Once it finds the keychain
// unavailable it remembers why and answers every later call with that,
// without asking again: a dead keychain costs one timeout per process.
type keyringStore struct {
	backend keyringBackend
	service string
	timeout time.Duration
	getenv  func(string) string
	goos    string
	// busDir is where godbus itself looks for a bus socket when
	// DBUS_SESSION_BUS_ADDRESS is unset (/run/user/UID); see dbusReason.
	busDir string

	mu      sync.Mutex
	checked bool   // the D-Bus rule has been applied
	down    string // why the keychain is unavailable; "" while usable
}

// NewKeyring returns the OS keychain Store. It is cheap: nothing is asked
// of the keychain (or of D-Bus) until the first Get, Set or Delete.
func NewKeyring(o KeyringOptions) Store { return newKeyring(o, goKeyring{}) }

func newKeyring(o KeyringOptions, b keyringBackend) *keyringStore {
	k := &keyringStore{backend: b, service: keyringService, timeout: o.Timeout, getenv: o.Getenv, goos: o.GOOS}
	if k.timeout <= 0 {
		k.timeout = DefaultTimeout
	}
	if k.getenv == nil {
		k.getenv = os.Getenv
	}
	if k.goos == "" {
		k.goos = runtime.GOOS
	}
	k.busDir = "/run/user/" + strconv.Itoa(os.Getuid())
	return k
}

var _ Store = (*keyringStore)(nil)

func (k *keyringStore) Name() string { return KindKeyring }

func (k *keyringStore) Get(profile string) ([]byte, error) {
	if err := checkKeyringName(profile); err != nil {
		return nil, err
	}
	head, err := k.get(profile)
	if err != nil {
		return nil, k.fail("read", profile, err)
	}
	for attempt := 1; ; attempt++ {
		inline, h, err := parseHead(head)
		if err != nil {
			return nil, damaged(profile, err)
		}
		if h == nil {
			return inline, nil
		}
		data, err := k.readChunks(profile, h)
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, errStale) {
			return nil, k.fail("read", profile, err)
		}
		// A missing or mismatched chunk may only mean that a Set replaced
		// the value between our reading its head and its chunks. Call the
		// item damaged only if the head is still the one we followed.
		again, err2 := k.get(profile)
		if err2 != nil {
			return nil, k.fail("read", profile, err2)
		}
		if again == head || attempt == readAttempts {
			return nil, damaged(profile, err)
		}
		head = again
	}
}

func (k *keyringStore) Set(profile string, data []byte) error {
	if err := checkKeyringName(profile); err != nil {
		return err
	}
	if len(data) > MaxKeyringValue {
		return clierr.New(clierr.Store, "keychain: profile %q: the item is %d bytes and the keychain store keeps at most %d per profile; use --store file for this profile",
			profile, len(data), MaxKeyringValue)
	}
	// Learn the old generation first, to delete its chunks once the new
	// head is in place. An unreadable old head is simply overwritten.
	var old *chunkHead
	switch cur, err := k.get(profile); {
	case err == nil:
		_, old, _ = parseHead(cur)
	case !errors.Is(err, ErrNotFound):
		return k.fail("write", profile, err)
	}

	var head string
	if len(data) <= chunkSize {
		head = inlinePrefix + string(data)
	} else {
		h, err := k.writeChunks(profile, data)
		if err != nil {
			return k.fail("write", profile, err)
		}
		j, _ := json.Marshal(h)
		head = chunkedPrefix + string(j)
	}
	if err := k.put(profile, head); err != nil {
		return k.fail("write", profile, err)
	}
	if old != nil {
		// Best effort: the new value is committed; a failure here only
		// leaves unreachable chunks behind.
		_ = k.deleteChunks(profile, old)
	}
	return nil
}

func (k *keyringStore) Delete(profile string) error {
	if err := checkKeyringName(profile); err != nil {
		return err
	}
	head, err := k.get(profile)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return k.fail("delete", profile, err)
	}
	// Head first: a reader then sees "not found" rather than a head whose
	// chunks are going away.
	if err := k.del(profile); err != nil && !errors.Is(err, ErrNotFound) {
		return k.fail("delete", profile, err)
	}
	if _, h, _ := parseHead(head); h != nil {
		if err := k.deleteChunks(profile, h); err != nil {
			return k.fail("delete", profile, err)
		}
	}
	return nil
}

// writeChunks stores data as a fresh generation of chunks and returns the
// head that describes them. On failure it removes what it wrote.
func (k *keyringStore) writeChunks(profile string, data []byte) (*chunkHead, error) {
	sum := sha256.Sum256(data)
	h := &chunkHead{
		Gen:    newGen(),
		Chunks: (len(data) + chunkSize - 1) / chunkSize,
		Size:   len(data),
		SHA256: hex.EncodeToString(sum[:]),
	}
	for i := range h.Chunks {
		piece := data[i*chunkSize : min((i+1)*chunkSize, len(data))]
		if err := k.put(chunkUser(profile, h.Gen, i+1), string(piece)); err != nil {
			written := *h
			written.Chunks = i
			_ = k.deleteChunks(profile, &written)
			return nil, err
		}
	}
	return h, nil
}

// errStale marks a chunked value whose chunks are missing or do not match
// the head's size and hash.
var errStale = errors.New("chunks missing or not matching")

func (k *keyringStore) readChunks(profile string, h *chunkHead) ([]byte, error) {
	buf := make([]byte, 0, h.Size)
	for i := 1; i <= h.Chunks; i++ {
		piece, err := k.get(chunkUser(profile, h.Gen, i))
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("chunk %d of %d: %w", i, h.Chunks, errStale)
		}
		if err != nil {
			return nil, err
		}
		buf = append(buf, piece...)
	}
	sum := sha256.Sum256(buf)
	if len(buf) != h.Size || hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, fmt.Errorf("size or sha256 differs from the head: %w", errStale)
	}
	return buf, nil
}

// deleteChunks removes a generation's chunks; already-gone ones are fine.
// It tries them all and returns the first error.
func (k *keyringStore) deleteChunks(profile string, h *chunkHead) error {
	var first error
	for i := 1; i <= h.Chunks; i++ {
		if err := k.del(chunkUser(profile, h.Gen, i)); err != nil && !errors.Is(err, ErrNotFound) && first == nil {
			first = err
		}
	}
	return first
}

func chunkUser(profile, gen string, i int) string {
	return profile + "#" + gen + "#" + strconv.Itoa(i)
}

func newGen() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// parseHead decodes a head item: the value itself (inline) or, for a
// chunked value, its description.
func parseHead(head string) (inline []byte, h *chunkHead, err error) {
	if v, ok := strings.CutPrefix(head, inlinePrefix); ok {
		return []byte(v), nil, nil
	}
	v, ok := strings.CutPrefix(head, chunkedPrefix)
	if !ok {
		return nil, nil, errors.New("not written by sesame")
	}
	h = &chunkHead{}
	if err := json.Unmarshal([]byte(v), h); err != nil {
		return nil, nil, fmt.Errorf("unreadable head: %v", err)
	}
	maxChunks := (MaxKeyringValue + chunkSize - 1) / chunkSize
	if _, err := hex.DecodeString(h.Gen); err != nil || h.Gen == "" ||
		h.Chunks < 1 || h.Chunks > maxChunks || h.Size < 0 || h.Size > MaxKeyringValue || len(h.SHA256) != 64 {
		return nil, nil, errors.New("invalid head")
	}
	return nil, h, nil
}

func damaged(profile string, err error) error {
	return clierr.New(clierr.Store, "keychain: the item for profile %q is damaged (%v); run `sesame logout %s` and log in again",
		profile, err, profile)
}

// checkKeyringName refuses names that would collide with chunk or probe
// items. Profile names are validated upstream; this is defence in depth.
func checkKeyringName(profile string) error {
	if profile == "" || strings.ContainsAny(profile, "#\x00") {
		return clierr.New(clierr.Store, "keychain: refusing profile name %q", profile)
	}
	return nil
}

// fail gives a keychain error its context and exit code; ErrNotFound
// passes through bare, as the Store contract says.
func (k *keyringStore) fail(op, profile string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	return clierr.Wrap(clierr.Store, fmt.Errorf("keychain: %s profile %q: %w", op, profile, err))
}

func (k *keyringStore) get(user string) (string, error) {
	return k.call(func() (string, error) { return k.backend.Get(k.service, user) })
}

func (k *keyringStore) put(user, value string) error {
	_, err := k.call(func() (string, error) { return "", k.backend.Set(k.service, user, value) })
	return err
}

func (k *keyringStore) del(user string) error {
	_, err := k.call(func() (string, error) { return "", k.backend.Delete(k.service, user) })
	return err
}

// call runs one backend call under the timeout and maps its error:
// go-keyring's not-found becomes ErrNotFound; anything else except
// "too big" marks the keychain unavailable for the life of k.
//
// The call runs in its own goroutine so that a keychain that never answers
// (a D-Bus service stuck on an unlock prompt, a hung `security`) costs the
// caller the timeout and no more; the goroutine is left to finish on its
// own, and its buffered channel lets it exit when it does.
func (k *keyringStore) call(f func() (string, error)) (string, error) {
	if reason := k.unavailable(); reason != "" {
		return "", unavailableError(reason)
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		switch {
		case r.err == nil:
			return r.v, nil
		case errors.Is(r.err, keyring.ErrNotFound):
			return "", ErrNotFound
		case errors.Is(r.err, keyring.ErrSetDataTooBig):
			// Not a dead keychain: this one item was refused. With
			// chunkSize items this should not happen on any backend.
			return "", fmt.Errorf("the keychain refused the item as too big; use --store file")
		default:
			return "", k.markDown(r.err.Error())
		}
	case <-timer.C:
		return "", k.markDown(fmt.Sprintf("no answer within %s", k.timeout))
	}
}

// unavailable applies the D-Bus rule once and returns why the keychain is
// unavailable, or "" when it may be asked.
func (k *keyringStore) unavailable() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.checked {
		k.checked = true
		k.down = k.dbusReason()
	}
	return k.down
}

func (k *keyringStore) markDown(reason string) error {
	// The reason ends up in auto's one-line notice: keep it one line.
	reason = strings.Join(strings.Fields(reason), " ")
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down == "" {
		k.down = reason
	}
	return unavailableError(k.down)
}

func unavailableError(reason string) error {
	return fmt.Errorf("%w (%s); use --store file or SESAME_STORE=file to keep credentials in 0600 files instead", ErrUnavailable, reason)
}

// dbusReason implements SPEC §4's rule for platforms where go-keyring
// talks to the Secret Service over D-Bus: without a session bus address or
// a bus socket in $XDG_RUNTIME_DIR, godbus would run `dbus-launch` (on
// every call, in a container with dbus-x11), so the keychain is
// unavailable and go-keyring is not called at all. It returns "" when the
// keychain may be asked.
func (k *keyringStore) dbusReason() string {
	switch k.goos {
	case "darwin", "ios", "windows", "android", "js", "wasip1", "plan9":
		return ""
	}
	// godbus treats "autolaunch:" as no address and launches a bus.
	if addr := k.getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && !strings.HasPrefix(addr, "autolaunch:") {
		return ""
	}
	xdg := k.getenv("XDG_RUNTIME_DIR")
	if xdg == "" {
		return "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are unset"
	}
	bus := filepath.Join(xdg, "bus")
	if _, err := os.Stat(bus); err != nil {
		return "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and " + bus + " does not exist"
	}
	// godbus does not read XDG_RUNTIME_DIR: with no address it looks in
	// /run/user/UID and, failing that, autolaunches. Follow the rule only
	// where godbus will find the same socket.
	if filepath.Clean(xdg) != k.busDir {
		return "DBUS_SESSION_BUS_ADDRESS is unset and go-keyring looks for the bus in " + k.busDir +
			", not " + xdg + "; export DBUS_SESSION_BUS_ADDRESS=unix:path=" + bus
	}
	return ""
}

// keyringProbe asks k for an item that cannot exist: ErrNotFound means the
// keychain answered. It returns why it is unavailable, or "".
func keyringProbe(k *keyringStore) string {
	_, err := k.get(probeUser)
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return ""
	case errors.Is(err, ErrUnavailable):
		return k.unavailable()
	default:
		return err.Error()
	}
}
