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

// DefaultSharedWait is how long a consumer (or a renewer waiting on another
// host's login) waits for a fresh shared session.
const DefaultSharedWait = 30 * time.Second

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
	// Wait bounds the wait for another host's renewal ("30s" by default).
	Wait string `yaml:"wait,omitempty" mapstructure:"wait"`
}

// Consumer reports whether this host only reads the shared session.
func (s *Shared) Consumer() bool { return s.Role == RoleConsumer }

// LocalFallback reports whether this host renews on its own when the
// shared store is unavailable.
func (s *Shared) LocalFallback() bool { return s.Fallback == FallbackLocal }

// WaitFor is the wait bound, DefaultSharedWait unless set.
func (s *Shared) WaitFor() time.Duration {
	if d, err := time.ParseDuration(s.Wait); err == nil && d > 0 {
		return d
	}
	return DefaultSharedWait
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
	}
	return nil
}
