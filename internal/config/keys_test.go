package config

import "testing"

// Every key of the config structs has words for `sesame help config`, and
// every word is about a key that exists.
func TestEveryKeyDocumented(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range Keys() {
		if k.Doc == "" {
			t.Errorf("config key %s has no doc: add it to keyDocs", k.Path)
		}
		if seen[k.Path] {
			t.Errorf("config key %s listed twice", k.Path)
		}
		seen[k.Path] = true
	}
	for path := range keyDocs() {
		if !seen[path] {
			t.Errorf("keyDocs documents %s, which no config struct has", path)
		}
	}
	for _, want := range []string{"store", "default", "profiles.NAME.url", "profiles.NAME.shared.role", "timeout"} {
		if !seen[want] {
			t.Errorf("%s missing from Keys", want)
		}
	}
}
