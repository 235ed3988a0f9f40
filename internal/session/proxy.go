package session

import (
	"context"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
)

// Proxy builds the authenticating proxy of profile p (sesame proxy, curl,
// api, status --check). The caller's o says how the proxy serves (token,
// allow-lists, logs, --no-renew); everything a credential needs — provider,
// sessions, HTTP client, windows, clock, rate budget — the Service fills
// in, resolved once here.
//
// session owns authproxy, not the other way: authproxy defines the small
// Sessions interface it needs and never imports session; the Service
// implements it over its manager and hands it in.
func (s *Service) Proxy(p *config.Profile, o authproxy.Options) (*authproxy.Proxy, error) {
	prov, err := s.provider(p.Provider)
	if err != nil {
		return nil, err
	}
	mgr, err := s.sessions()
	if err != nil {
		return nil, err
	}
	hc, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	o.Profile, o.Provider, o.Sessions, o.HTTP, o.Windows, o.Now = p, prov, proxySessions{mgr}, hc, s.windowsOf(p), s.d.Now
	o.Budget, o.Waits = s.budget(p), s.d.ErrOut
	return authproxy.New(o)
}

// proxySessions is the manager as authproxy.Sessions.
type proxySessions struct{ m *manager }

func (ps proxySessions) Get(ctx context.Context, p *config.Profile, noRenew bool) (*providers.Session, error) {
	return ps.m.Get(ctx, p, GetOptions{NoRenew: noRenew})
}

func (ps proxySessions) Renew(ctx context.Context, p *config.Profile, rejected, call string) (*providers.Session, error) {
	return ps.m.Renew(withCall(ctx, call), p, rejected)
}
