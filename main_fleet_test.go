package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

// redisCondition is the script condition [redis]: a redis-server to start,
// or CI, where the fleet scripts must run (and fail without one). Scripts
// begin with `[!redis] skip 'redis-server is not on PATH'`.
func redisCondition() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil || os.Getenv("CI") != ""
}

// redisServers holds each script's redis-server, for `redis stop|start`.
var redisServers sync.Map // *testscript.TestScript → *redistest.Server

// redis [start|stop|acl|do ARGS…]
//
// `redis` starts a real redis-server for the script on a free loopback port
// (--save ”, no AOF), sets REDIS_URL, REDIS_HOSTPORT and stops it when the
// script ends. `redis stop` and `redis start` stop it and start it again on
// the same port (empty: nothing persists). `redis acl NS` adds the users
// sesame-consumer (password c-pw) and sesame-renewer (r-pw) with the rules
// `sesame fleet acl` prints. `redis do ARGS…` runs a command as the admin
// and prints its reply. `redis awaitfence PROFILE N` polls (up to 15 s)
// until the stored session's fence is at least N; `redis awaitlock
// PROFILE` until someone holds the profile's renewal lock. Without redis-server on PATH the script is skipped
// unless CI is set ([redis]).
func cmdRedis(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		srv, err := redistest.New(ts.MkAbs("redis"))
		ts.Check(err)
		ts.Defer(srv.Stop)
		redisServers.Store(ts, srv)
		ts.Setenv("REDIS_URL", srv.URL())
		ts.Setenv("REDIS_HOSTPORT", srv.Addr())
		return
	}
	v, ok := redisServers.Load(ts)
	if !ok {
		ts.Fatalf("redis %s: no redis started", args[0])
	}
	srv := v.(*redistest.Server)
	switch args[0] {
	case "stop":
		srv.Stop()
	case "awaitfence":
		if len(args) != 3 {
			ts.Fatalf("usage: redis awaitfence PROFILE N")
		}
		want, err := strconv.ParseInt(args[2], 10, 64)
		ts.Check(err)
		c := srv.Admin()
		defer c.Close()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got, _ := c.HGet(context.Background(), "sesame:session:"+args[1], "fence").Int64()
			if got >= want {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("the fence of %s is %d after 15s, want %d", args[1], got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	case "awaitlock":
		if len(args) != 2 {
			ts.Fatalf("usage: redis awaitlock PROFILE")
		}
		c := srv.Admin()
		defer c.Close()
		deadline := time.Now().Add(15 * time.Second)
		for c.Exists(context.Background(), "sesame:lock:"+args[1]).Val() == 0 {
			if time.Now().After(deadline) {
				ts.Fatalf("nobody took the renewal lock of %s within 15s", args[1])
			}
			time.Sleep(10 * time.Millisecond)
		}
	case "start":
		ts.Check(srv.Restart())
	case "acl", "do":
		c := srv.Admin()
		defer c.Close()
		var cmds [][]any
		if args[0] == "acl" {
			if len(args) != 2 {
				ts.Fatalf("usage: redis acl NAMESPACE")
			}
			for _, u := range []struct{ name, pw, role string }{{"sesame-consumer", "c-pw", "consumer"}, {"sesame-renewer", "r-pw", "renewer"}} {
				line := []any{"ACL", "SETUSER", u.name, "reset", "on", ">" + u.pw}
				for _, r := range aclRules(u.role, args[1]) {
					line = append(line, r)
				}
				cmds = append(cmds, line)
			}
		} else {
			line := []any{}
			for _, a := range args[1:] {
				line = append(line, a)
			}
			cmds = append(cmds, line)
		}
		for _, line := range cmds {
			res, err := c.Do(context.Background(), line...).Result()
			if (err != nil) != neg {
				ts.Fatalf("redis %v: %v", line, err)
			}
			if err == nil {
				fmt.Fprintf(ts.Stdout(), "%v\n", res)
			}
		}
	default:
		ts.Fatalf("usage: redis [start|stop|acl NS|do ARGS…]")
	}
}

// envsubst FILE… replaces ${VAR} in each file with the script's variable.
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: envsubst FILE…")
	}
	for _, f := range args {
		b, err := os.ReadFile(ts.MkAbs(f))
		ts.Check(err)
		out := os.Expand(string(b), func(k string) string {
			if strings.HasPrefix(k, "{") {
				return "$" + k
			}
			return ts.Getenv(k)
		})
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(out), 0o600))
	}
}

func aclRules(role, ns string) []string {
	if role == "consumer" {
		return fleet.ConsumerRules(ns)
	}
	return fleet.RenewerRules(ns)
}

// sigterm sends SIGTERM to the script's background commands (testscript's
// kill knows only INT and KILL), as systemd does to stop a service.
func cmdSigterm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sigterm")
	}
	for _, c := range ts.BackgroundCmds() {
		if c.Process != nil {
			ts.Check(c.Process.Signal(syscall.SIGTERM))
		}
	}
}
