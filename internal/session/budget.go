package session

import (
	"context"
	"net/url"
	"path/filepath"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// Rate budgets (SPEC §5b): every request sent for a profile is paced under
// one ratelimit.Budget in its provider's dialect. The budget is shared by
// every sesame process of the host through a small state file beside the
// session store (StateDir/ratelimit/PROFILE[@ID].json: counts and times, never a
// secret; locked like the renewal lock), and, for a shared (fleet)
// profile, by every host through the fleet's Redis, the file serving while
// Redis does not answer.

// budgetPath is the host's state file of p's budgets.
func (s *Service) budgetPath(p *config.Profile) (string, error) {
	dir, err := s.StateDir()
	if err != nil {
		return "", err
	}
	name := p.Name
	if c, err := s.Config(); err == nil {
		name = c.StoreKey(p.Name, false) // PROFILE, or PROFILE@ID for another config file
	}
	return filepath.Join(dir, "ratelimit", url.PathEscape(name)+".json"), nil
}

// budgetStore is where p's budgets are shared, and the host's own when
// that is the fleet's.
func (s *Service) budgetStore(p *config.Profile) (ratelimit.Store, ratelimit.Store) {
	var local ratelimit.Store = &ratelimit.Memory{}
	if path, err := s.budgetPath(p); err == nil {
		local = &ratelimit.File{Path: path}
	}
	if p.Shared != nil && p.Shared.URL != "" {
		if fs, err := s.fleetStore(p); err == nil {
			return fs.Budget(p.Name), local
		}
	}
	return local, nil
}

// budget is p's rate-limit budget (one per profile per Service: the
// proxy's concurrent clients share it).
func (s *Service) budget(p *config.Profile) *ratelimit.Budget {
	if b, ok := s.budgets[p.Name]; ok {
		return b
	}
	var d *ratelimit.Dialect
	if prov, err := s.provider(p.Provider); err == nil {
		d = prov.Info().RateLimit
	}
	st, fallback := s.budgetStore(p)
	now := s.d.Now
	if now == nil {
		now = time.Now
	}
	b := &ratelimit.Budget{Dialect: d, Store: st, Fallback: fallback, Now: now}
	if s.budgets == nil {
		s.budgets = map[string]*ratelimit.Budget{}
	}
	s.budgets[p.Name] = b
	return b
}

// RateBudget is one known rate-limit budget of a profile: what is left of
// a method's calls, when its window resets, and until when the vendor
// refuses it (zero when it does not).
type RateBudget struct {
	Method           string
	Limit, Remaining int
	Reset, Blocked   time.Time
}

// Budgets are p's known budgets whose window has not ended at now, for
// status and doctor; none when nothing was recorded.
func (s *Service) Budgets(ctx context.Context, p *config.Profile, now time.Time) []RateBudget {
	st, fallback := s.budgetStore(p)
	l, err := ratelimit.List(ctx, st, now)
	if err != nil && fallback != nil {
		l, _ = ratelimit.List(ctx, fallback, now)
	}
	var out []RateBudget
	for _, k := range l {
		out = append(out, RateBudget{Method: k.Method, Limit: k.Limit, Remaining: k.Remaining, Reset: k.Reset, Blocked: k.Blocked})
	}
	return out
}
