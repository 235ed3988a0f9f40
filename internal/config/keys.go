package config

import (
	"reflect"
	"strings"
)

// Key is one key of the config file, as `sesame help config` shows it.
type Key struct {
	// Path is the key's place in the YAML: "store", "profiles.NAME.url".
	Path string
	// Default is what applies when the key is absent ("" for nothing).
	Default string
	Doc     string
}

// keyDocs say what each key of the config structs does; Keys fails a test
// (TestEveryKeyDocumented) when a struct gains a key this lacks.
func keyDocs() map[string]string {
	return map[string]string{
		"store":                          "where sessions and secrets are kept: auto, keyring or file (SESAME_STORE and --store beat it)",
		"default":                        "the profile commands act on when none is named (sesame profile use sets it)",
		"profiles":                       "one entry per profile, keyed by its name (lower-case letters, digits, '.', '_', '-')",
		"profiles.NAME.provider":         "tdx, ams or ym",
		"profiles.NAME.url":              "the instance the profile logs in to (TDX https://ORG.teamdynamix.com, AMS https://SERVER/APPNAME, YM https://ws.yourmembership.com)",
		"profiles.NAME.mode":             "the provider's login mode (tdx: user, admin; ams: v1, v2; ym: member, admin, consumer, token)",
		"profiles.NAME.username":         "the user name, or the key id for key logins (TDX BEID, YM consumer key)",
		"profiles.NAME.store":            "the store the login chose (keyring or file); written by login",
		"profiles.NAME.session_idle":     "this profile's session_idle (AMS v2)",
		"profiles.NAME.session_ttl":      "this profile's session_ttl (YourMembership)",
		"profiles.NAME.no_save_secret":   "true when the last login was --no-save-secret: later logins keep not saving the secret",
		"profiles.NAME.options":          "the provider's own settings: app_id (AMS X-APP-ID), client_id (YM), api (AMS v3), sandbox (TDX /SBTDWebApi), …",
		"profiles.NAME.shared":           "share the session across hosts through Redis (see README, Share one session across a fleet)",
		"profiles.NAME.shared.url":       "redis://[user@]host:port or rediss://…, without a password (SESAME_REDIS_PASSWORD or the keychain holds it)",
		"profiles.NAME.shared.namespace": "the prefix of the fleet's Redis keys",
		"profiles.NAME.shared.role":      "renewer (logs in for the fleet) or consumer (only reads the shared session)",
		"profiles.NAME.shared.fallback":  "fail (exit 6 when Redis is down and the local copy has expired) or local (renew on this host, with a warning)",
		"profiles.NAME.shared.wait":      "how long to wait for another host's renewal",
		"timeout":                        "the timeout of each HTTP request (SESAME_TIMEOUT and --timeout beat it)",
		"cacert":                         "an extra PEM CA bundle to trust (SESAME_CA_FILE and --cacert beat it)",
		"session_idle":                   "AMS v2: a session unused this long is renewed before use (SESAME_SESSION_IDLE beats it)",
		"session_ttl":                    "YourMembership: a session this old is renewed before use (SESAME_SESSION_TTL beats it)",
	}
}

// keyDefaults are the defaults of the keys that have one.
func keyDefaults() map[string]string {
	return map[string]string{
		"store":                          "auto",
		"timeout":                        "30s",
		"session_idle":                   "20m",
		"session_ttl":                    "14m",
		"profiles.NAME.shared.namespace": "sesame",
		"profiles.NAME.shared.role":      RoleRenewer,
		"profiles.NAME.shared.fallback":  FallbackFail,
		"profiles.NAME.shared.wait":      "lease (10s) + login timeout + 5s: 45s with the default timeout",
	}
}

// Keys lists every key of the config file: the keys of Config, Profile and
// Shared read from their yaml tags (so a new field is listed at once), then
// the global settings that Setting reads.
func Keys() []Key {
	docs, defs := keyDocs(), keyDefaults()
	var out []Key
	add := func(path string) {
		out = append(out, Key{Path: path, Doc: docs[path], Default: defs[path]})
	}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			path := prefix + name
			add(path)
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Map {
				if ft.Kind() == reflect.Map {
					if ft.Elem().Kind() != reflect.Pointer && ft.Elem().Kind() != reflect.Struct {
						break // options: free-form keys
					}
					path += ".NAME"
				}
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, path+".")
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	for _, s := range []string{"timeout", "cacert", "session_idle", "session_ttl"} {
		add(s)
	}
	return out
}
