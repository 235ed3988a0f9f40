package config

import (
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestSharedCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    Shared
		code int
	}{
		{Shared{URL: "redis://h:6379"}, 0},
		{Shared{URL: "rediss://h:6380", Role: RoleConsumer, Fallback: FallbackLocal}, 0},
		{Shared{}, clierr.Usage},
		{Shared{URL: "redis://h", Role: "reader"}, clierr.Usage},
		{Shared{URL: "redis://h", Fallback: "retry"}, clierr.Usage},
		{Shared{URL: "redis://h", Wait: "soon"}, clierr.Usage},
		{Shared{URL: "redis://h", Wait: "-5s"}, clierr.Usage},
	} {
		if got := clierr.Code(tt.s.Check("p")); got != tt.code {
			t.Errorf("Check(%+v) = exit %d, want %d", tt.s, got, tt.code)
		}
	}
	if d := (&Shared{Wait: "5s"}).WaitFor(time.Minute); d != 5*time.Second {
		t.Errorf("WaitFor 5s = %s", d)
	}
	if d := (&Shared{}).WaitFor(time.Minute); d != time.Minute {
		t.Errorf("WaitFor of a bad value = %s, want the default", d)
	}
}
