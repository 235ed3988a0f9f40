package fleet_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/fleet"
	"github.com/sesame-cli/sesame/internal/fleet/redistest"
)

// The documented ACL rules, applied to a real Redis 7: a consumer reads
// sessions but never secrets and writes nothing; a renewer does everything
// sesame needs inside its namespace and nothing outside it.
func TestACLRules(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := ctxT(t)
	admin := srv.Admin()
	defer admin.Close()
	setUser := func(name, pw string, rules []string) {
		args := []any{"ACL", "SETUSER", name, "reset", "on", ">" + pw}
		for _, r := range rules {
			args = append(args, r)
		}
		if err := admin.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("ACL SETUSER %s: %v", name, err)
		}
	}
	setUser("sesame-consumer", "c-pw", fleet.ConsumerRules("team"))
	setUser("sesame-renewer", "r-pw", fleet.RenewerRules("team"))
	if err := admin.Set(ctx, "other:secret", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}

	key := newKey(t)
	hostPort := strings.TrimPrefix(srv.URL(), "redis://")
	renewer := open(t, fleet.Options{URL: "redis://sesame-renewer@" + hostPort, Password: "r-pw", Namespace: "team", Key: key})
	consumer := open(t, fleet.Options{URL: "redis://sesame-consumer@" + hostPort, Password: "c-pw", Namespace: "team", Key: key})

	// The renewer's whole protocol works under its rules.
	if err := renewer.PutSecret(ctx, "p", origin, []byte("pw")); err != nil {
		t.Fatalf("renewer PutSecret: %v", err)
	}
	if _, err := renewer.Secret(ctx, "p", origin); err != nil {
		t.Fatalf("renewer Secret: %v", err)
	}
	it, err := renewer.Renew(ctx, fleet.Renewal{Profile: "p", Origin: origin, Fresh: fresh,
		Login: func(_ context.Context, l *fleet.Lock) ([]byte, time.Duration, error) {
			return sess("tok", time.Now().Add(time.Hour)), time.Hour, nil
		}})
	if err != nil {
		t.Fatalf("renewer Renew: %v", err)
	}
	if err := renewer.SetRateLimit(ctx, origin, time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("renewer SetRateLimit: %v", err)
	}
	if _, err := renewer.RateLimit(ctx, origin); err != nil {
		t.Fatalf("renewer RateLimit: %v", err)
	}

	// The consumer reads the session the renewer wrote, and sees the lock.
	got, err := consumer.Session(ctx, "p", origin)
	if err != nil || string(got.Data) != string(it.Data) {
		t.Fatalf("consumer Session: %v", err)
	}
	if _, err := consumer.LockState(ctx, "p"); err != nil {
		t.Fatalf("consumer LockState: %v", err)
	}
	if err := consumer.Ping(ctx); err != nil {
		t.Fatalf("consumer Ping: %v", err)
	}

	// …and nothing else.
	denied := map[string]error{}
	_, denied["read secret"] = consumer.Secret(ctx, "p", origin)
	denied["write secret"] = consumer.PutSecret(ctx, "p", origin, []byte("x"))
	denied["write session"] = consumer.PutSession(ctx, "p", origin, 99, []byte("x"), 0)
	_, denied["take lock"] = consumer.TryLock(ctx, "p", time.Second)
	for what, err := range denied {
		if !errors.Is(err, fleet.ErrNoPermission) || clierr.Code(err) != clierr.Store {
			t.Errorf("consumer may %s: %v", what, err)
		}
	}
	// A renewer of namespace "team" cannot reach other keys.
	other := open(t, fleet.Options{URL: "redis://sesame-renewer@" + hostPort, Password: "r-pw", Namespace: "other", Key: key})
	if _, err := other.Secret(ctx, "p", origin); !errors.Is(err, fleet.ErrNoPermission) {
		t.Errorf("renewer outside its namespace: %v", err)
	}
	// A wrong password is a clear exit 6 that does not echo it.
	wrong := open(t, fleet.Options{URL: "redis://sesame-consumer@" + hostPort, Password: "nope-pw", Namespace: "team", Key: key})
	err = wrong.Ping(ctx)
	if clierr.Code(err) != clierr.Store || !strings.Contains(err.Error(), "SESAME_REDIS_PASSWORD") || strings.Contains(err.Error(), "nope-pw") {
		t.Errorf("wrong password: %v", err)
	}
}
