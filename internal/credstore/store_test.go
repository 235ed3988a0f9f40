package credstore

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The sizes every store must round-trip exactly: empty, tiny, the chunk
// boundary, the Windows item limit, the macOS command-line limit, a
// chunked value, and the keyring maximum.
var roundTripSizes = []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2560, 4096, 10000, MaxKeyringValue}

// stores builds one fresh instance of each Store implementation; the
// keyring one runs on a fake that refuses items over 2560 bytes, as
// Windows Credential Manager does.
func stores(t *testing.T) map[string]Store {
	return map[string]Store{
		"memory":  NewMemory(),
		"file":    NewFile(t.TempDir(), nil),
		"keyring": newFakeKeyringStore(newFakeKeyring()),
	}
}

// randomBytes returns n bytes covering all byte values, so that no store
// can get away with assuming text.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		for _, n := range roundTripSizes {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				t.Parallel()
				profile := fmt.Sprintf("p%d", n)
				want := randomBytes(uint64(n), n)
				if err := s.Set(profile, want); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, err := s.Get(profile)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("Get returned %d bytes, not the %d stored", len(got), len(want))
				}
			})
		}
	}
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if s.Name() != name {
				t.Errorf("Name() = %q, want %q", s.Name(), name)
			}
			if _, err := s.Get("none"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get of nothing: err = %v, want ErrNotFound", err)
			}
			if err := s.Delete("none"); err != nil {
				t.Errorf("Delete of nothing: %v", err)
			}

			// Overwrite in every direction between inline and chunked.
			for _, n := range []int{10, 5000, 20, 9000, 7000, 0} {
				want := randomBytes(uint64(n)+1, n)
				if err := s.Set("p", want); err != nil {
					t.Fatalf("Set %d bytes: %v", n, err)
				}
				got, err := s.Get("p")
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("after Set of %d bytes: Get = %d bytes, %v", n, len(got), err)
				}
			}

			// The store owns its copy: neither the caller's slice nor the
			// returned one is shared with it.
			in := []byte("secret")
			if err := s.Set("p", in); err != nil {
				t.Fatal(err)
			}
			in[0] = 'X'
			out, _ := s.Get("p")
			out[1] = 'Y'
			if again, _ := s.Get("p"); string(again) != "secret" {
				t.Errorf("stored item changed through a caller's slice: %q", again)
			}

			if err := s.Delete("p"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := s.Get("p"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
			}
		})
	}
}
