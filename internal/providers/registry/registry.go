// Package registry lists the providers sesame knows, explicitly: adding a
// vendor is one package and one line here.
package registry

import (
	"sort"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/providers/tdx"
	"github.com/sesame-cli/sesame/internal/providers/ym"
)

// All returns every provider.
func All() []providers.Provider {
	return []providers.Provider{
		ams.New(),
		tdx.New(),
		ym.New(),
	}
}

// Names lists the provider names, sorted.
func Names() []string {
	var out []string
	for _, p := range All() {
		out = append(out, p.Name())
	}
	sort.Strings(out)
	return out
}

// Get finds a provider by name.
func Get(name string) (providers.Provider, error) {
	for _, p := range All() {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, clierr.New(clierr.Usage, "unknown provider %q (want one of %v)", name, Names())
}
