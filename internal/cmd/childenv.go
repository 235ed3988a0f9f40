package cmd

import (
	"runtime"
	"strings"
)

// secretInputs are the variables sesame reads a secret from at login. No
// child (exec, curl, sandbox exec) ever sees them.
var secretInputs = []string{"SESAME_PASSWORD", "SESAME_SECRET"}

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

// childEnv is the environment for every child sesame starts: base without
// sesame's own secret inputs (in any case where the OS folds it), with the
// assignments in set replacing or adding.
func childEnv(base []string, set ...string) []string {
	return childEnvFold(base, set, envFold)
}

func childEnvFold(base, set []string, fold bool) []string {
	drop := map[string]bool{}
	for _, k := range secretInputs {
		drop[envKey(k, fold)] = true
	}
	for _, kv := range set {
		drop[envKey(kv, fold)] = true
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		if !drop[envKey(kv, fold)] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}
