package session

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/transport"
)

// fleetStore opens (once per URL and namespace) a shared profile's fleet
// store. The Redis password and the fleet key come from the environment or
// this host's credential store, never from a flag or the config file.
func (s *Service) fleetStore(p *config.Profile) (*fleet.Store, error) {
	id := p.Shared.URL + "\x00" + p.Shared.Namespace
	if fs, ok := s.fleets[id]; ok {
		return fs, nil
	}
	key, err := fleet.ParseKey(s.fleetCredential("SESAME_FLEET_KEY", FleetKeyItem(p.Shared.Namespace)))
	if err != nil {
		return nil, fmt.Errorf("profile %s is shared: %w (or save it on this host: sesame fleet set-key)", p.Name, err)
	}
	timeout := fleet.DefaultTimeout
	if d, err := time.ParseDuration(s.d.Getenv("SESAME_REDIS_TIMEOUT")); err == nil && d > 0 {
		timeout = d
	}
	fs, err := fleet.Open(fleet.Options{
		URL:       p.Shared.URL,
		Namespace: p.Shared.Namespace,
		Password:  s.fleetCredential("SESAME_REDIS_PASSWORD", RedisPasswordItem(p.Shared.URL)),
		CAFile:    s.CAFile(),
		Key:       key,
		Timeout:   timeout,
		Clock:     fleetClock{now: s.d.Now},
	})
	if err != nil {
		return nil, err
	}
	if s.fleets == nil {
		s.fleets = map[string]*fleet.Store{}
	}
	s.fleets[id] = fs
	return fs, nil
}

// fleetClock is the app's clock (tests move it) for the times the fleet
// store writes and compares; its waits between polls are real.
type fleetClock struct{ now func() time.Time }

func (c fleetClock) Now() time.Time { return c.now() }
func (c fleetClock) Sleep(ctx context.Context, d time.Duration) error {
	return transport.Sleep(ctx, d)
}

// FleetKeyItem and RedisPasswordItem name the items in the credential
// store that hold a host's fleet credentials when the environment does
// not: '+' never starts a profile's item name.
func FleetKeyItem(ns string) string {
	if ns == "" {
		ns = fleet.DefaultNamespace
	}
	return "+fleet-key." + itemSafe(ns)
}

// RedisPasswordItem: see FleetKeyItem.
func RedisPasswordItem(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "+redis-password"
	}
	return "+redis-password." + itemSafe(u.User.Username()+"@"+u.Host)
}

func itemSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r == '@' {
			return r
		}
		return '_'
	}, s)
}

// fleetCredential is env's value, else the item saved in this host's
// credential store by fleet set-key / set-redis-password, else "".
func (s *Service) fleetCredential(env, item string) string {
	if v := s.d.Getenv(env); v != "" {
		return v
	}
	st, err := s.openStore(s.StoreChoice(nil).Kind)
	if err != nil {
		return ""
	}
	b, err := st.Get(item)
	if err != nil {
		return ""
	}
	return string(b)
}

// What the fleet commands need of internal/fleet, so that they import
// only session.
const FleetDefaultNamespace = fleet.DefaultNamespace

// ParseFleetKey checks a fleet key (fleet.ParseKey).
func ParseFleetKey(s string) error {
	_, err := fleet.ParseKey(s)
	return err
}

// RedactRedisURL is a Redis URL without its password, for messages.
func RedactRedisURL(u string) string { return fleet.Redact(u) }

// FleetConsumerRules and FleetRenewerRules are the Redis ACL rules of a
// consumer and a renewer host for namespace ns.
func FleetConsumerRules(ns string) []string { return fleet.ConsumerRules(ns) }

// FleetRenewerRules: see FleetConsumerRules.
func FleetRenewerRules(ns string) []string { return fleet.RenewerRules(ns) }

// SaveFleetItem keeps value (a fleet key, a Redis password) as item in the
// store a new login would use (fleet set-key, fleet set-password), and
// names that store.
func (s *Service) SaveFleetItem(item, value string) (store string, err error) {
	st, err := s.openStore(s.StoreChoice(nil).Kind)
	if err != nil {
		return "", err
	}
	if err := st.Set(item, []byte(value)); err != nil {
		return "", clierr.Wrap(clierr.Store, err)
	}
	return st.Name(), nil
}
