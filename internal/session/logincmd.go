package session

import (
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
)

// Providers is a list of providers a Service knows (Deps.Providers); nil
// means the shipped ones. Tests plug in their own (a fourth provider).
type Providers []providers.Provider

// LoginCommand is one provider's `sesame login NAME` in session's own
// words: its help, its own flags, and how the flags given become a login.
// The command line adds the flags every login shares.
type LoginCommand struct {
	Provider                  string
	Use, Short, Long, Example string
	Flags                     []LoginFlag
	// Exclusive lists groups of flags that may not be given together.
	Exclusive [][]string

	parse  func(*providers.LoginInput) (*providers.LoginRequest, error)
	getenv func(string) string
}

// LoginFlag is one of a provider's login flags: a string, or a boolean
// when Bool.
type LoginFlag struct {
	Name, Usage string
	Bool        bool
}

// LoginFlags are what the provider's flags say, ready for a LoginRequest.
// Empty fields keep the profile's value; an Options value of "" removes
// that option.
type LoginFlags struct {
	Mode, URL, Username string
	Options             map[string]string
	// SecretStdin reads the secret from stdin, as --password-stdin does.
	SecretStdin bool
	// Second, when set, is a second secret input joined to the first.
	Second *SecondSecret
}

// SecondSecret is a secret besides the main one, read from stdin when
// Stdin, else Value (from the environment); never from a flag value.
type SecondSecret struct {
	What  string // for messages: "access token"
	Stdin bool
	Value string
	// Join makes the one secret the provider logs in with.
	Join func(secret, second string) (string, error)
}

// Parse checks the flags given — values (flag name → value, "true" or
// "false" for a Bool flag) and set (those on the command line) — for the
// profile as it stands (nil for a new one). Its errors are usage errors
// (exit 2) that name the flag.
func (lc LoginCommand) Parse(values map[string]string, set map[string]bool, p *config.Profile) (*LoginFlags, error) {
	r, err := lc.parse(&providers.LoginInput{Values: values, Set: set, Getenv: lc.getenv, Profile: p})
	if err != nil {
		return nil, err
	}
	f := &LoginFlags{Mode: r.Mode, URL: r.URL, Username: r.Username, Options: r.Options, SecretStdin: r.SecretStdin}
	if s := r.Second; s != nil {
		f.Second = &SecondSecret{What: s.What, Stdin: s.Stdin, Value: s.Value, Join: s.Join}
	}
	return f, nil
}

// LoginCommands are the login commands of every provider the Service
// knows, in the registry's order.
func (s *Service) LoginCommands() []LoginCommand {
	var out []LoginCommand
	for _, prov := range s.reg.All() {
		out = append(out, s.loginCommand(prov))
	}
	return out
}

// LoginCommand is the login command of the provider called name.
func (s *Service) LoginCommand(name string) (LoginCommand, error) {
	prov, err := s.provider(name)
	if err != nil {
		return LoginCommand{}, err
	}
	return s.loginCommand(prov), nil
}

func (s *Service) loginCommand(prov providers.Provider) LoginCommand {
	li := prov.Info().Login
	lc := LoginCommand{Provider: prov.Name(), Use: li.Use, Short: li.Short, Long: li.Long, Example: li.Example,
		Exclusive: li.Exclusive, parse: li.Parse, getenv: s.d.Getenv}
	for _, f := range li.Flags {
		lc.Flags = append(lc.Flags, LoginFlag{Name: f.Name, Usage: f.Usage, Bool: f.Bool})
	}
	return lc
}

// AccountFlags are the login flags that name a shipped provider's
// account of mode (the sandbox's printed logins); nil when the provider
// does not say.
func AccountFlags(provider, mode, user string) []string {
	if prov, err := registry.Get(provider); err == nil && prov.Info().AccountFlags != nil {
		return prov.Info().AccountFlags(mode, user)
	}
	return nil
}
