package cmd

import (
	"testing"
	"time"
)

func TestSandboxRateLimitFlag(t *testing.T) {
	t.Parallel()
	o, err := sandboxRateLimit("3/3s")
	if err != nil || o.DataLimit != 3 || o.DataWindow != 3*time.Second {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err := sandboxRateLimit("0"); err != nil || o.DataLimit != 0 {
		t.Fatalf("0: %+v %v", o, err)
	}
	for _, bad := range []string{"3", "x/1m", "3/0s", "-1/1m", "3/soon"} {
		if _, err := sandboxRateLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
