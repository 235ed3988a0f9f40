package config

import (
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// Shared roles and fallbacks (SPEC §4 "Shared across a fleet").
const (
	RoleRenewer  = "renewer"  // renews the shared session with the shared (or local) secret
	RoleConsumer = "consumer" // only reads the shared session; never holds the secret

	FallbackFail  = "fail"  // the store down and the local copy expired: exit 6
	FallbackLocal = "local" // …: renew on this host under the local lock, with a warning
)

// Shared is a profile's fleet store. It holds no secret: the Redis password
// and the fleet key come from the environment or the keychain.
type Shared struct {
	// URL is redis://[user@]host:port or rediss://…, without a password.
	URL string `yaml:"url" mapstructure:"url"`
	// Namespace prefixes the keys; "" means "sesame".
	Namespace string `yaml:"namespace,omitempty" mapstructure:"namespace"`
	// Role is renewer (default) or consumer.
	Role string `yaml:"role,omitempty" mapstructure:"role"`
	// Fallback is fail (default) or local.
	Fallback string `yaml:"fallback,omitempty" mapstructure:"fallback"`
	// Wait bounds the wait for another host's renewal; "" means the
	// renewal lock's lease plus the login timeout plus a margin, and a
	// shorter value is refused (session.SharedWait).
	Wait string `yaml:"wait,omitempty" mapstructure:"wait"`
}

// Consumer reports whether this host only reads the shared session.
func (s *Shared) Consumer() bool { return s.Role == RoleConsumer }

// LocalFallback reports whether this host renews on its own when the
// shared store is unavailable.
func (s *Shared) LocalFallback() bool { return s.Fallback == FallbackLocal }

// WaitFor is the wait bound: shared.wait when set, else def.
func (s *Shared) WaitFor(def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s.Wait); err == nil && d > 0 {
		return d
	}
	return def
}

// Check reports a shared block that cannot work (exit 2), naming profile.
func (s *Shared) Check(profile string) error {
	switch {
	case s.URL == "":
		return clierr.New(clierr.Usage, "profile %s: shared.url is missing (redis://host:port or rediss://host:port)", profile)
	case s.Role != "" && s.Role != RoleRenewer && s.Role != RoleConsumer:
		return clierr.New(clierr.Usage, "profile %s: shared.role %q: want renewer or consumer", profile, s.Role)
	case s.Fallback != "" && s.Fallback != FallbackFail && s.Fallback != FallbackLocal:
		return clierr.New(clierr.Usage, "profile %s: shared.fallback %q: want fail or local", profile, s.Fallback)
	case s.Wait != "" && !positive(s.Wait):
		return clierr.New(clierr.Usage, "profile %s: shared.wait %q: want a duration such as 45s", profile, s.Wait)
	}
	return nil
}

func positive(v string) bool {
	d, err := time.ParseDuration(v)
	return err == nil && d > 0
}
