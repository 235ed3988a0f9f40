package ui

import (
	"testing"
	"time"
)

func TestFit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short\nline", 10, "short\nline"},
		{"a line that is too long", 10, "a line th…"},
		{"\x1b[1mbold text here\x1b[0m", 6, "\x1b[1mbold …\x1b[0m"},
		{"anything", 0, "anything"},
	} {
		if got := Fit(tc.in, tc.width); got != tc.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestWhenHasZone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	got := When(now.Add(time.Hour).In(time.UTC), now)
	if len(got) < len("2006-01-02 15:04 MST") || got[len(got)-len("(in 1h)"):] != "(in 1h)" {
		t.Errorf("When = %q", got)
	}
}
