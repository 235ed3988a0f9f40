package session

import (
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
)

// The rule that ties the fleet's defaults together: a wait outlasts the
// renewal lock's lease plus the login timeout; shorter is exit 2, naming
// both values.
func TestSharedWaitRule(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		login time.Duration
		wait  string
		want  time.Duration
		code  int
	}{
		{30 * time.Second, "", 45 * time.Second, 0},
		{0, "", 45 * time.Second, 0},
		{30 * time.Second, "40s", 40 * time.Second, 0},
		{30 * time.Second, "2m", 2 * time.Minute, 0},
		{30 * time.Second, "39s", 0, clierr.Usage},
		{30 * time.Second, "30s", 0, clierr.Usage},
		{time.Second, "", 16 * time.Second, 0},
		{time.Second, "11s", 11 * time.Second, 0},
		{time.Second, "5s", 0, clierr.Usage},
	} {
		m := &manager{LoginTimeout: tt.login}
		got, err := m.SharedWait(&config.Profile{Name: "p", Shared: &config.Shared{URL: "redis://h:6379", Wait: tt.wait}})
		if got != tt.want || clierr.Code(err) != tt.code {
			t.Errorf("login %s, wait %q: %s, %v; want %s, exit %d", tt.login, tt.wait, got, err, tt.want, tt.code)
		}
		if err != nil && (!strings.Contains(err.Error(), "lease (10s)") || !strings.Contains(err.Error(), "login timeout")) {
			t.Errorf("the refusal does not name both values: %v", err)
		}
	}
}
