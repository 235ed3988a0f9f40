package fleet

import (
	"context"
	"errors"
	"strconv"
	"time"
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
