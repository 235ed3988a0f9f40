// Package envvars is the one table of the SESAME_* environment variables:
// what each does, its default, and whether sesame reads a secret from it.
// `sesame help environment` prints it, and the rule that keeps sesame's
// secrets out of every child's environment (SPEC §5a) is derived from it,
// so neither can drift from the code: a test reads every Getenv/LookupEnv
// of a SESAME_* name in the source and fails on one the table lacks.
//
// It must never hold a value, only names and words about them.
package envvars

// Var is one environment variable sesame reads.
type Var struct {
	Name string
	// Secret marks a variable sesame reads a secret from: no child that
	// sesame starts ever sees it.
	Secret bool
	// Default is what applies when the variable is unset ("" for none).
	Default string
	// Doc says what it does, in one sentence.
	Doc string
}

// All lists every SESAME_* variable, in the order help shows them.
var All = []Var{
	{Name: "SESAME_CONFIG", Default: "the user config folder's sesame/config.yaml", Doc: "the config file (--config beats it)"},
	{Name: "SESAME_PROFILE", Doc: "the profile a command acts on when no --profile or argument names one"},
	{Name: "SESAME_STORE", Default: "auto", Doc: "where sessions and secrets are kept: auto, keyring, file or memory (--store beats it)"},
	{Name: "SESAME_TIMEOUT", Default: "30s", Doc: "the timeout of every HTTP request (--timeout beats it)"},
	{Name: "SESAME_CA_FILE", Doc: "an extra PEM CA bundle to trust (--cacert beats it)"},
	{Name: "SESAME_CACERT", Doc: "another name for SESAME_CA_FILE"},
	{Name: "SESAME_DEBUG", Doc: "1 logs every HTTP exchange to stderr with secrets masked, like --debug"},
	{Name: "SESAME_SESSION_IDLE", Default: "20m", Doc: "AMS v2: a session unused this long is renewed before use"},
	{Name: "SESAME_SESSION_TTL", Default: "14m", Doc: "YourMembership: a session this old is renewed before use"},
	{Name: "SESAME_PASSWORD", Secret: true, Doc: "the password, key or secret a login uses when no --*-stdin flag is given"},
	{Name: "SESAME_SECRET", Secret: true, Doc: "another name for SESAME_PASSWORD"},
	{Name: "SESAME_ACCESS_TOKEN", Secret: true, Doc: "YourMembership consumer logins: the AccessToken sent beside the consumer secret"},
	{Name: "SESAME_FLEET_KEY", Secret: true, Doc: "a shared profile's fleet key (base64 of 32 bytes), else the keychain's (sesame fleet set-key)"},
	{Name: "SESAME_REDIS_PASSWORD", Secret: true, Doc: "a shared profile's Redis password, else the keychain's (sesame fleet set-redis-password)"},
	{Name: "SESAME_REDIS_TIMEOUT", Default: "10s", Doc: "the timeout of each call to a fleet's Redis (10s meets a link with 2 s round trips: connect, AUTH, command)"},
	{Name: "SESAME_PROXY_TOKEN", Secret: true, Doc: "set by sesame proxy for its child: the token its clients send; sesame itself reads it only to nest proxies"},
	{Name: "SESAME_PROXY_SOCKET", Doc: "set by sesame proxy --socket for its child: the unix socket it listens on"},
}

// Secrets are the names of the variables sesame reads a secret from.
func Secrets() []string {
	var out []string
	for _, v := range All {
		if v.Secret {
			out = append(out, v.Name)
		}
	}
	return out
}

// Lookup finds a variable by name.
func Lookup(name string) (Var, bool) {
	for _, v := range All {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}
