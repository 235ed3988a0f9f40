package session

import (
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
)

// StoreChoice is the credential store a profile uses and what chose it.
type StoreChoice struct {
	Kind string // auto, keyring, file, memory, …
	// Source is where the choice comes from, for doctor: "--store",
	// "SESAME_STORE", "profile" (recorded at its login), "config file" or
	// "default".
	Source string
}

// ChooseStore is the one store-choice table: --store (flag) over
// SESAME_STORE (env) — the first of them given is the explicit choice —
// over the store recorded at the profile's login, over the config file's
// `store:`, over auto. An explicit "auto" never overrides a recorded store:
// it is a way to choose at login, not a place to read from. recorded is ""
// for a new login or no profile.
func ChooseStore(flag, env, recorded, file string) StoreChoice {
	explicit := StoreChoice{Kind: flag, Source: "--store"}
	if flag == "" {
		explicit = StoreChoice{Kind: env, Source: "SESAME_STORE"}
	}
	switch {
	case explicit.Kind != "" && explicit.Kind != "auto":
		return explicit
	case recorded != "":
		return StoreChoice{Kind: recorded, Source: "profile"}
	case explicit.Kind != "":
		return explicit
	case file != "" && file != "auto":
		return StoreChoice{Kind: file, Source: "config file"}
	}
	return StoreChoice{Kind: "auto", Source: "default"}
}

// Default renewal windows, for vendors that do not say when a session
// ends; session_idle and session_ttl (globally or per profile) change them.
const (
	defaultIdle = 20 * time.Minute // AMS v2: renewed when unused this long
	defaultTTL  = 14 * time.Minute // YM: renewed when this old
)

// windowsFor are the renewal windows of p under c (nil c: the defaults).
func windowsFor(c *config.Config, p *config.Profile) providers.Windows {
	if c == nil {
		return providers.Windows{Idle: defaultIdle, TTL: defaultTTL}
	}
	return providers.Windows{
		Idle: c.Duration(p, "session_idle", defaultIdle),
		TTL:  c.Duration(p, "session_ttl", defaultTTL),
	}
}
