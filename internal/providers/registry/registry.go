// Package registry lists the providers sesame knows, explicitly: adding a
// vendor is one package and one line in Default. A Registry can also be
// built from any list, so that a test can plug in a provider of its own.
package registry

import (
	"sort"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/ams"
	"github.com/sesame-cli/sesame/internal/providers/tdx"
	"github.com/sesame-cli/sesame/internal/providers/ym"
)

// Default is the registry of the providers sesame ships.
func Default() *Registry {
	return New(
		ams.New(),
		tdx.New(),
		ym.New(),
	)
}

// Registry is a list of providers, looked up by name.
type Registry struct {
	list []providers.Provider
}

// New is a registry of exactly ps.
func New(ps ...providers.Provider) *Registry {
	return &Registry{list: append([]providers.Provider(nil), ps...)}
}

// All returns every provider, in the registry's order.
func (r *Registry) All() []providers.Provider {
	return append([]providers.Provider(nil), r.list...)
}

// Names lists the provider names, sorted.
func (r *Registry) Names() []string {
	var out []string
	for _, p := range r.list {
		out = append(out, p.Name())
	}
	sort.Strings(out)
	return out
}

// Get finds a provider by name (exit 2 when there is none).
func (r *Registry) Get(name string) (providers.Provider, error) {
	for _, p := range r.list {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, clierr.New(clierr.Usage, "unknown provider %q (want one of %v)", name, r.Names())
}

// All returns every provider of Default.
func All() []providers.Provider { return Default().All() }

// Names lists Default's provider names, sorted.
func Names() []string { return Default().Names() }

// Get finds a provider of Default by name.
func Get(name string) (providers.Provider, error) { return Default().Get(name) }
