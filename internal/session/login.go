package session

import (
	"context"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
)

// LoginRequest is what `sesame login PROVIDER` asks for: the flags, and
// how to get the secret and show progress. Empty fields keep what the
// profile already says.
type LoginRequest struct {
	Provider string
	// Profile names the profile; "" means the provider's name.
	Profile  string
	URL      string
	Mode     string
	Username string
	Options  map[string]string
	// Shared (--shared URL) makes this host the fleet's renewer, with
	// SharedNamespace.
	Shared          string
	SharedNamespace string
	// NoSaveSecret keeps the secret out of the store (it sticks to the
	// profile); SaveSecret undoes a profile's earlier NoSaveSecret.
	NoSaveSecret bool
	SaveSecret   bool
	// Secret reads the secret (what names it: "password", "API key", …)
	// for p as it will be. It is asked only once the store is known to
	// work.
	Secret func(ctx context.Context, what string, p *config.Profile) (string, error)
	// Contacting is called as the vendor is contacted; the func it returns
	// when the answer is in (a spinner). nil for none.
	Contacting func(p *config.Profile) (done func())
}

// LoginResult is what a login did.
type LoginResult struct {
	// Profile is the profile as saved in the config file.
	Profile *config.Profile
	// User is who the vendor says logged in (else the profile's user
	// name, else "(unknown)").
	User string
	// ValidUntil is when the new session ends; zero when unknown.
	ValidUntil time.Time
	// Saved says what became of the secret: "secret saved for renewal",
	// "secret not saved", or the provider's note on a single-use secret.
	Saved string
	// StoreChanged reports a new profile, or one whose store changed: the
	// store's fall-back notice is worth saying then.
	StoreChanged bool
}

// Login creates or updates the profile r names, logs it in and stores the
// session (and, unless told not to, the secret), then saves the profile in
// the config file. The store is opened and read before the secret is asked
// for and the vendor contacted: a keychain that is not there must not cost
// a login. A provider whose login teaches the profile a setting
// (providers.Adopter) changes it before it is saved.
func (s *Service) Login(ctx context.Context, r LoginRequest) (*LoginResult, error) {
	prov, err := s.provider(r.Provider)
	if err != nil {
		return nil, err
	}
	c, err := s.Config()
	if err != nil {
		return nil, err
	}
	name := r.Profile
	if name == "" {
		name = r.Provider
	}
	if err := config.ValidName(name); err != nil {
		return nil, err
	}
	old, existed := c.Profiles[name]
	p, err := mergeProfile(prov, name, old, r)
	if err != nil {
		return nil, err
	}
	st, err := s.openStore(s.StoreChoice(nil).Kind)
	if err != nil {
		return nil, err
	}
	p.Store = st.Name()
	mgr, err := s.sessions()
	if err != nil {
		return nil, err
	}
	if err := mgr.CheckStore(p); err != nil {
		return nil, err
	}
	secret, err := r.Secret(ctx, prov.SecretName(p.Mode), p)
	if err != nil {
		return nil, err
	}
	done := func() {}
	if r.Contacting != nil {
		done = r.Contacting(p)
	}
	// --no-save-secret sticks to the profile: logging in again does not
	// start saving the secret unless --save-secret asks for it.
	noSave := r.NoSaveSecret || (existed && old.NoSaveSecret && !r.SaveSecret)
	p.NoSaveSecret = noSave
	// A single-use secret (YM's exchange tokens), saved, would only be
	// refused at the first renewal. Kept only when --save-secret says it
	// can be reused.
	singleUseNote, singleUse := prov.Info().SingleUse[p.Mode]
	singleUse = singleUse && !r.SaveSecret
	if singleUse {
		noSave = true
	}
	sess, err := mgr.Login(ctx, p, secret, !noSave)
	done()
	if err != nil {
		return nil, err
	}
	if ad, ok := prov.(providers.Adopter); ok {
		ad.Adopt(p, sess)
	}
	c.Profiles[name] = p
	if err := c.Save(); err != nil {
		return nil, err
	}
	res := &LoginResult{Profile: p, User: displayUser(sess, p), ValidUntil: s.validUntil(p, sess), Saved: "secret saved for renewal",
		StoreChanged: !existed || old.Store != p.Store}
	switch {
	case singleUse:
		res.Saved = singleUseNote
	case noSave:
		res.Saved = "secret not saved"
	}
	return res, nil
}

// mergeProfile is the profile a login makes: the old one (a copy) with
// what the request changes. A profile of another provider is not taken
// over.
func mergeProfile(prov providers.Provider, name string, old *config.Profile, r LoginRequest) (*config.Profile, error) {
	p := &config.Profile{Name: name}
	if old != nil {
		if old.Provider != r.Provider {
			return nil, clierr.New(clierr.Usage, "profile %s is a %s profile; choose another name with --profile, or remove it: sesame logout %s --forget", name, old.Provider, name)
		}
		cp := *old
		p = &cp
		p.Options = map[string]string{}
		for k, v := range old.Options {
			p.Options[k] = v
		}
	}
	p.Provider = r.Provider
	if r.URL != "" {
		p.URL = r.URL
	}
	if r.Mode != "" {
		p.Mode = r.Mode
	}
	if p.Mode == "" {
		p.Mode = prov.Modes()[0]
	}
	if r.Username != "" {
		p.Username = r.Username
	}
	for k, v := range r.Options {
		p.SetOption(k, v)
	}
	if r.Shared != "" {
		p.Shared = &config.Shared{URL: r.Shared, Namespace: r.SharedNamespace, Role: config.RoleRenewer}
	}
	if p.URL == "" {
		return nil, clierr.New(clierr.Usage, "%s login needs --url", r.Provider)
	}
	if _, err := prov.BaseURL(p); err != nil {
		return nil, err
	}
	return p, nil
}

func displayUser(s *providers.Session, p *config.Profile) string {
	if s.User != "" {
		return s.User
	}
	if p.Username != "" {
		return p.Username
	}
	return "(unknown)"
}
