package clierr

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCodeInterrupt(t *testing.T) {
	net := New(Network, "request to h: %w", context.Canceled)
	for name, tc := range map[string]struct {
		err  error
		want int
	}{
		"nil":                     {nil, OK},
		"plain":                   {errors.New("x"), Unexpected},
		"coded":                   {New(Rejected, "no"), Rejected},
		"context.Canceled":        {context.Canceled, Interrupted},
		"wrapped Canceled":        {fmt.Errorf("lock: %w", context.Canceled), Interrupted},
		"network wraps Canceled":  {net, Interrupted},
		"ErrInterrupted":          {ErrInterrupted, Interrupted},
		"Interrupt(network)":      {Interrupt(New(Network, "cannot reach h")), Interrupted},
		"deadline is not Ctrl-C":  {context.DeadlineExceeded, Unexpected},
		"Interrupt keeps its nil": {Interrupt(nil), OK},
	} {
		if got := Code(tc.err); got != tc.want {
			t.Errorf("%s: Code = %d, want %d", name, got, tc.want)
		}
	}
	if got := Interrupt(New(Network, "cannot reach h")).Error(); got != "cannot reach h" {
		t.Errorf("Interrupt changed the message: %q", got)
	}
}
