package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
)

// notSentErr is the exit-5 error of a run whose request body was too large
// to keep (over authproxy.MaxSpool) and so was not sent again after a
// renewal or a rate limit: the upload did not happen.
func notSentErr() error {
	return clierr.New(clierr.Network, "the upload was not sent: the vendor asked for a new login or a slower pace, and a body over %d MiB cannot be sent again; repeat the request", authproxy.MaxSpool>>20)
}

// budgetRow is one rate-limit budget sesame knows for a profile (SPEC
// §5b): a vendor method, what its last answer said, when it resets. It
// holds no secret. status and doctor show it (JSON: rate_limits).
type budgetRow struct {
	Method       string  `json:"method"`
	Limit        int     `json:"limit,omitempty"`
	Remaining    int     `json:"remaining"`
	Reset        *string `json:"reset,omitempty"`
	BlockedUntil *string `json:"blocked_until,omitempty"`
}

// budgetsOf reads p's known budgets whose window is still open; nothing
// is sent to the vendor.
func (a *App) budgetsOf(p *config.Profile, now time.Time) []budgetRow {
	var out []budgetRow
	for _, k := range a.Service().Budgets(context.Background(), p, now) {
		r := budgetRow{Method: k.Method, Limit: k.Limit, Remaining: k.Remaining}
		if !k.Reset.IsZero() {
			t := k.Reset.UTC().Format(time.RFC3339)
			r.Reset = &t
		}
		if k.Blocked.After(now) {
			t := k.Blocked.UTC().Format(time.RFC3339)
			r.BlockedUntil = &t
		}
		out = append(out, r)
	}
	return out
}

// text is the budget for people: "GET /api/tickets/{id}: 2 of 3 calls
// left, resets 14:02:17".
func (b budgetRow) text() string {
	s := b.Method + ": "
	if b.Limit > 0 {
		s += fmt.Sprintf("%d of %d calls left", b.Remaining, b.Limit)
	} else {
		s += "limited"
	}
	if b.Reset != nil {
		if t, err := time.Parse(time.RFC3339, *b.Reset); err == nil {
			s += ", resets " + t.Local().Format("15:04:05")
		}
	}
	if b.BlockedUntil != nil {
		if t, err := time.Parse(time.RFC3339, *b.BlockedUntil); err == nil {
			s += ", refused until " + t.Local().Format("15:04:05")
		}
	}
	return s
}

// writeBudgets is status's "Rate limits:" section; nothing when no
// budget is known.
func writeBudgets(w io.Writer, rows []statusRow) {
	var b strings.Builder
	for _, r := range rows {
		for _, k := range r.RateLimits {
			fmt.Fprintf(&b, "  %s  %s\n", r.Profile, k.text())
		}
	}
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nRate limits:\n%s", b.String())
	}
}
