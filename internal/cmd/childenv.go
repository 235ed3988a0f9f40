package cmd

import (
	"runtime"
	"strings"

	"github.com/sesame-cli/sesame/internal/envvars"
)

// The one rule for what a child of sesame sees (SPEC §5a "children get
// nothing of sesame's own"). Every child — exec's and proxy's CMD, curl,
// the sandbox's CMD, doctor's probes — starts from the caller's environment
// without:
//
//   - every variable envvars marks Secret (SESAME_PASSWORD, SESAME_SECRET,
//     SESAME_ACCESS_TOKEN, SESAME_FLEET_KEY, SESAME_REDIS_PASSWORD,
//     SESAME_PROXY_TOKEN, and any row added later), in any case where the
//     OS folds names (Windows);
//   - an outer proxy's token under its per-provider name (P_PROXY_TOKEN,
//     any name ending in _PROXY_TOKEN) — unless the child is meant to nest.
//
// Nesting is meant for the user's own command under `exec` and
// `proxy -- CMD`: that command may be a client of an outer proxy
// (`sesame proxy tdx -- sesame proxy ams -- python report.py` gives
// python TDX_PROXY_TOKEN and AMS_PROXY_TOKEN), so the outer proxy's
// tokens pass to it — but only their per-provider names; the generic
// SESAME_PROXY_TOKEN is always the innermost proxy's or none. curl, the
// sandbox and doctor's probes are sesame's tools, not clients of an outer
// proxy: they get no proxy token at all.

// envFold tells whether variable names ignore case: on Windows
// sesame_password and SESAME_PASSWORD are one variable (os.Getenv finds
// either), so stripping and replacing must ignore case there too.
var envFold = runtime.GOOS == "windows"

// envKey is the name of kv as the OS compares names.
func envKey(kv string, fold bool) string {
	// On Windows a name may start with '=' (=C:=C:\dir); the name ends at
	// the next '='.
	k, _, _ := strings.Cut(kv[min(1, len(kv)):], "=")
	k = kv[:min(1, len(kv))] + k
	if fold {
		return strings.ToUpper(k)
	}
	return k
}

// proxyTokenSuffix ends the per-provider name of a proxy's token
// (TDX_PROXY_TOKEN): the rule names no provider.
const proxyTokenSuffix = "_PROXY_TOKEN"

// childEnv is the environment of a child that is one of sesame's tools
// (curl, the sandbox, doctor): base without anything of sesame's own, with
// the assignments in set replacing or adding.
func childEnv(base []string, set ...string) []string {
	return childEnvFold(base, set, envFold, false)
}

// nestEnv is the environment of the user's own command (exec, proxy --
// CMD): as childEnv, except that an outer proxy's per-provider token stays.
func nestEnv(base []string, set ...string) []string {
	return childEnvFold(base, set, envFold, true)
}

func childEnvFold(base, set []string, fold, nest bool) []string {
	drop := map[string]bool{}
	for _, k := range envvars.Secrets() {
		drop[envKey(k, fold)] = true
	}
	for _, kv := range set {
		drop[envKey(kv, fold)] = true
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k := envKey(kv, fold)
		if drop[k] {
			continue
		}
		// Upper case wherever sesame sets it; k is folded where the OS
		// folds names.
		if !nest && strings.HasSuffix(k, proxyTokenSuffix) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, set...)
}
