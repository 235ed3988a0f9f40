// Package credstore keeps secrets and sessions: one opaque item per profile,
// in the OS keychain (keyring), in 0600 files (file), or in memory (tests).
// It stores bytes and never knows what they mean: it must not import
// providers or session, and it must never log or print a stored value.
package credstore

import "errors"

// ErrNotFound is returned by Get when nothing is stored for the profile.
var ErrNotFound = errors.New("nothing stored")

// Store keeps one item per profile.
//
// Errors other than ErrNotFound carry clierr.Store (exit 6) and say which
// store failed and what the user can do; they never quote the value.
type Store interface {
	// Name is the store's kind as users see it: keyring, file or memory.
	Name() string
	// Get returns the profile's item, or ErrNotFound.
	Get(profile string) ([]byte, error)
	// Set replaces the profile's item whole: a reader sees the old item or
	// the new one, never a mix.
	Set(profile string, data []byte) error
	// Delete removes the profile's item; deleting nothing is not an error.
	Delete(profile string) error
}

// CacheSetter is a Store that can write an item that is only a cache
// (a fleet session's local copy, holding no secret) without waiting for
// the disk: atomic still, but a crash may lose it or leave it empty, which
// costs one read from the fleet. The file store has it; a keychain does
// not need it.
type CacheSetter interface {
	SetCache(profile string, data []byte) error
}
