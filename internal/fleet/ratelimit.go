package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-cli/sesame/internal/ratelimit"
)

// setRateLimit moves the origin's reset time forward only: a late writer
// with an earlier reset must not shorten another host's wait. The key lives
// until the reset, so an idle fleet keeps nothing.
var setRateLimit = script(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
`)

// SetRateLimit tells the fleet that origin's auth endpoints refuse calls
// until reset (a TeamDynamix 429's X-RateLimit-Reset).
func (s *Store) SetRateLimit(ctx context.Context, origin string, reset time.Time) error {
	left := reset.Sub(s.clock.Now())
	if left <= 0 {
		return nil
	}
	return s.call(ctx, "recording a rate limit", func(ctx context.Context) error {
		return setRateLimit().Run(ctx, s.rdb, []string{s.key("ratelimit", origin)}, reset.UnixMilli(), left.Milliseconds()+1).Err()
	})
}

// RateLimit returns until when origin's auth endpoints refuse calls; the
// zero time when no host has seen a 429 whose window is still open.
func (s *Store) RateLimit(ctx context.Context, origin string) (time.Time, error) {
	var v string
	err := s.call(ctx, "reading the rate limit", func(ctx context.Context) error {
		var err error
		v, err = s.rdb.Get(ctx, s.key("ratelimit", origin)).Result()
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms), nil
}

// WaitRateLimit waits until origin's shared rate-limit window (if any) has
// passed, or ctx ends. It returns how long it waited.
func (s *Store) WaitRateLimit(ctx context.Context, origin string) (time.Duration, error) {
	reset, err := s.RateLimit(ctx, origin)
	if err != nil || reset.IsZero() {
		return 0, err
	}
	d := reset.Sub(s.clock.Now())
	if d <= 0 {
		return 0, nil
	}
	return d, s.clock.Sleep(ctx, d)
}

// Budget is the fleet's shared rate-limit budget of a profile: a
// ratelimit.Store in the hash NS:budget:PROFILE (method → JSON State),
// updated under WATCH/MULTI so that the hosts' read-modify-writes never
// interleave. It holds counts and times only, so it is not sealed. The
// hash expires an hour after its last write.
func (s *Store) Budget(profile string) ratelimit.Store {
	return &fleetBudget{s: s, key: s.key("budget", profile)}
}

type fleetBudget struct {
	s   *Store
	key string
}

// budgetTries bounds the optimistic retries of one update under contention.
const budgetTries = 50

func (b *fleetBudget) Update(ctx context.Context, field string, f func(st *ratelimit.State)) error {
	return b.s.call(ctx, "updating the shared rate-limit budget", func(ctx context.Context) error {
		var err error
		for i := 0; i < budgetTries; i++ {
			err = b.s.rdb.Watch(ctx, func(tx *redis.Tx) error {
				var st ratelimit.State
				v, err := tx.HGet(ctx, b.key, field).Result()
				if err != nil && !errors.Is(err, redis.Nil) {
					return err
				}
				if v != "" {
					_ = json.Unmarshal([]byte(v), &st)
				}
				before := st
				f(&st)
				if st == before {
					return nil
				}
				out, err := json.Marshal(st)
				if err != nil {
					return err
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.HSet(ctx, b.key, field, out)
					p.PExpire(ctx, b.key, time.Hour)
					return nil
				})
				return err
			}, b.key)
			if !errors.Is(err, redis.TxFailedErr) {
				return err
			}
		}
		return err
	})
}

func (b *fleetBudget) All(ctx context.Context) (map[string]ratelimit.State, error) {
	out := map[string]ratelimit.State{}
	err := b.s.call(ctx, "reading the shared rate-limit budget", func(ctx context.Context) error {
		m, err := b.s.rdb.HGetAll(ctx, b.key).Result()
		if err != nil {
			return err
		}
		for k, v := range m {
			var st ratelimit.State
			if json.Unmarshal([]byte(v), &st) == nil {
				out[k] = st
			}
		}
		return nil
	})
	return out, err
}
