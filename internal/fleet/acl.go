package fleet

import "strings"

// Redis ACL rules for a fleet (Redis 7 selectors; Valkey 7.2+ alike).
//
// A consumer host may read sessions and see the renewal lock, and nothing
// else: no secret key, no writes. A renewer may read and write every key of
// the namespace (sessions, secrets, locks, fences, rate limits) with the few
// commands sesame sends, scripts included (Redis checks the keys a script
// touches against the caller's ACL too).
//
// Apply them as an admin, one user per role, for example:
//
//	ACL SETUSER sesame-consumer on >PASSWORD <ConsumerRules("sesame")…>
//	ACL SETUSER sesame-renewer  on >PASSWORD <RenewerRules("sesame")…>
//
// (`sesame fleet acl` prints the full lines; the README shows them.)

// ConsumerRules are the ACL rules of a consumer user for namespace ns.
func ConsumerRules(ns string) []string {
	ns = escape(nsOrDefault(ns))
	return []string{
		"resetkeys", "%R~" + ns + ":session:*", "%R~" + ns + ":lock:*",
		// The shared rate-limit budgets (counts and times, no secret):
		// every host paces under them, consumers too.
		"~" + ns + ":budget:*",
		"resetchannels", "-@all", "+ping", "+hmget", "+pttl",
		"+hget", "+hset", "+hgetall", "+pexpire", "+watch", "+unwatch", "+multi", "+exec",
	}
}

// RenewerRules are the ACL rules of a renewer user for namespace ns.
func RenewerRules(ns string) []string {
	ns = escape(nsOrDefault(ns))
	return []string{
		"resetkeys", "~" + ns + ":*",
		"resetchannels", "-@all", "+ping", "+hmget", "+hget", "+hset", "+get", "+set", "+del",
		"+incr", "+pttl", "+pexpire", "+persist", "+eval", "+evalsha",
		"+hgetall", "+watch", "+unwatch", "+multi", "+exec",
	}
}

func nsOrDefault(ns string) string {
	if ns == "" {
		return DefaultNamespace
	}
	return ns
}

// escape keeps glob characters in a namespace literal in a key pattern.
func escape(ns string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(ns)
}
