package credstore

import (
	"bytes"
	"sync"
)

// memoryStore keeps items in a map for the life of the process: it backs
// unit tests and `--store memory`. It copies bytes both ways so that a
// caller that reuses or scrubs its slice cannot change what is stored.
type memoryStore struct {
	mu    sync.Mutex
	items map[string][]byte
}

// NewMemory returns an empty in-memory Store, safe for concurrent use.
func NewMemory() Store {
	return &memoryStore{items: make(map[string][]byte)}
}

var _ Store = (*memoryStore)(nil)

func (m *memoryStore) Name() string { return KindMemory }

func (m *memoryStore) Get(profile string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[profile]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (m *memoryStore) Set(profile string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// An empty item is an item: presence is the map key, not nil-ness.
	m.items[profile] = append([]byte{}, data...)
	return nil
}

func (m *memoryStore) Delete(profile string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, profile)
	return nil
}
