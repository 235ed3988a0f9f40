package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/redact"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/ui"
)

type statusOptions struct {
	Profile string
	Check   bool
	JSON    jsonOutput
}

type statusRejected struct {
	At string `json:"at"`
	By string `json:"by,omitempty"`
}

// statusRow is one profile's line; its JSON names are part of the contract.
type statusRow struct {
	Profile   string  `json:"profile"`
	Provider  string  `json:"provider"`
	Instance  string  `json:"instance"`
	User      string  `json:"user"`
	Mode      string  `json:"mode"`
	Store     string  `json:"store"`
	State     string  `json:"state"` // valid, expired, rejected, none, error
	ExpiresAt *string `json:"expires_at"`
	LastUsed  *string `json:"last_used,omitempty"`
	Secret    bool    `json:"secret_saved"`
	Default   bool    `json:"default"`
	Error     string  `json:"error,omitempty"`
	// Rejected says when, and to which call, the vendor ended the session
	// before its time (state "rejected").
	Rejected *statusRejected `json:"rejected,omitempty"`
	// RateLimits are the vendor budgets sesame paces under (ratelimit.go).
	RateLimits []budgetRow `json:"rate_limits,omitempty"`
	// Check is the vendor's verdict with --check: ok, rejected,
	// unreachable or error (its reason in CheckError).
	Check      string `json:"check,omitempty"`
	CheckError string `json:"check_error,omitempty"`

	until      time.Time
	rejectedAt time.Time
	modeText   string // Mode for people: the API too when it is not the default
	tableUser  string // USER for people: the same in status and profile list
}

func newStatusCmd(app *App) *cobra.Command {
	opts := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [PROFILE]",
		Short: "Show profiles and the state of their sessions",
		Long: `Show each profile (or one): provider, instance, user, mode, store and whether
its session is valid, expired, rejected (ended by the vendor before its time)
or absent. Nothing is renewed. With a PROFILE, it exits 4 when that profile
has no session it can use or renew. The table is
plain text when stdout is not a terminal or NO_COLOR is set; --json gives the
same facts for scripts (--json=profile,state keeps those fields, --jq
filters them).

--check asks the vendor, as gh auth status asks GitHub: one cheap, read-only
authenticated call per profile (the provider names it: TeamDynamix
api/auth/getuser, AMS currentuser or the endpoint list, YourMembership one
row of People), sent the way sesame api sends, so an expired session is
renewed as any call would renew it and a saved secret the vendor refused is
never sent again. Each profile is then ok, rejected (the vendor said no:
exit 4) or unreachable (network, TLS, timeout, vendor 5xx: exit 5); when
profiles differ, rejected wins.`,
		Example: `  sesame status
  sesame status --check
  sesame status tdx --json | jq -r '.[0].state'
  sesame status --json profile,state --jq '.[] | select(.state != "valid") | .profile'`,
		ValidArgsFunction: completeProfiles(app),
		Args: func(cmd *cobra.Command, args []string) error {
			args = opts.JSON.takeFieldsArg(args, app.isProfile)
			if len(args) > 1 {
				return argsErr(cmd, argsProblem(cmd, args))
			}
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "ask the vendor whether each session is good (one authenticated call per profile)")
	addJSONFlags(cmd, &opts.JSON, jsonFields(statusRow{}))
	return cmd
}

func runStatus(ctx context.Context, app *App, opts *statusOptions) error {
	if err := app.checkStoreKind(); err != nil {
		return err
	}
	if _, err := opts.JSON.check(); err != nil {
		return err
	}
	c, err := app.Config()
	if err != nil {
		return err
	}
	var profiles []*config.Profile
	name := opts.Profile
	if name == "" {
		name = app.Profile
	}
	if name != "" {
		p, err := c.Profile(name)
		if err != nil {
			return err
		}
		profiles = []*config.Profile{p}
	} else {
		for _, n := range c.Names() {
			profiles = append(profiles, c.Profiles[n])
		}
	}
	rows := make([]statusRow, 0, len(profiles))
	for _, p := range profiles {
		var verdict checkResult
		if opts.Check {
			// Ask first: a renewal the call makes is then what the row shows.
			if verdict = app.checkProfile(ctx, p); verdict.err != nil && clierr.Code(verdict.err) == clierr.Interrupted {
				return verdict.err
			}
		}
		r := app.statusOf(p, app.Now())
		r.Default = p.Name == c.Default
		r.RateLimits = app.budgetsOf(p, app.Now())
		if opts.Check {
			// The reason may quote the vendor: scrubbed like any error.
			r.Check, r.CheckError = verdict.state, app.scrub(verdict.reason())
		}
		rows = append(rows, r)
	}
	now := app.Now()
	if opts.JSON.wanted() {
		if err := opts.JSON.write(app.IO.Out, rows); err != nil {
			return err
		}
		return statusExit(name, rows, opts.Check)
	}
	if len(rows) == 0 {
		fmt.Fprintln(app.IO.ErrOut, "no profiles yet; log in first: sesame login tdx|ams|ym")
		return nil
	}
	writeStatus(app.IO.Out, ui.NewStyles(app.IO.Out, ui.Colour(app.IO.OutTTY)), rows, now, ui.Width(app.IO.Out, app.IO.OutTTY))
	writeBudgets(app.IO.Out, rows)
	writeSharedStatus(app, profiles)
	app.writeProxies(app.IO.Out)
	return statusExit(name, rows, opts.Check)
}

// writeStatus prints the table when it fits the terminal (or stdout is not
// one), else one block per profile, as gh auth status does, every line cut
// to the width.
func writeStatus(w io.Writer, st *ui.Styles, rows []statusRow, now time.Time, width int) {
	var b strings.Builder
	writeStatusTable(&b, st, rows, now)
	table := b.String()
	if width <= 0 || maxLineWidth(table) <= width {
		io.WriteString(w, table)
		return
	}
	b.Reset()
	for i, r := range rows {
		if i > 0 {
			b.WriteString("\n")
		}
		who := r.tableUser
		name := r.Profile
		if r.Default {
			name += " (default)"
		}
		fmt.Fprintf(&b, "%s\n  %s · %s · %s · store %s\n", st.Bold(name), r.Provider, r.modeText, redact.Text(who), r.Store)
		fmt.Fprintf(&b, "  %s\n", redact.Text(r.Instance))
		fmt.Fprintf(&b, "  %s\n", sessionStyle(st, r)(redact.Text(sessionText(r, now))))
		if r.Check != "" {
			fmt.Fprintf(&b, "  check: %s\n", checkStyle(st, r)(redact.Text(checkText(r))))
		}
	}
	io.WriteString(w, ui.Fit(b.String(), width))
}

// maxLineWidth is the widest line of s in columns, styling left out.
func maxLineWidth(s string) int {
	max := 0
	for _, l := range strings.Split(s, "\n") {
		if n := ansi.StringWidth(l); n > max {
			max = n
		}
	}
	return max
}

func sessionStyle(st *ui.Styles, r statusRow) func(string) string {
	switch r.State {
	case "valid":
		return st.Good
	case "expired":
		return st.Warn
	case "error", "rejected":
		return st.Bad
	}
	return st.Dim
}

// statusExit fails (exit 4) when one named profile has no session it can
// use or renew, as `gh auth status` fails when logged out; a script can
// test `sesame status tdx` before a job. The listing of all profiles
// exits 0, unless --check asked the vendor and a profile failed it.
func statusExit(name string, rows []statusRow, checked bool) error {
	if checked {
		return checkExit(rows)
	}
	if name == "" || len(rows) != 1 {
		return nil
	}
	r := rows[0]
	switch {
	case r.State == "none":
		return clierr.New(clierr.NoSession, "profile %s has no session; log in: sesame login %s -p %s", r.Profile, r.Provider, r.Profile)
	case r.State == "expired" && !r.Secret:
		return clierr.New(clierr.NoSession, "profile %s: the session has expired and no secret is saved to renew it; log in again: sesame login %s -p %s", r.Profile, r.Provider, r.Profile)
	case r.State == "rejected" && !r.Secret:
		return clierr.New(clierr.NoSession, "profile %s: the vendor ended the session and it cannot be renewed; log in again: sesame login %s -p %s", r.Profile, r.Provider, r.Profile)
	case r.State == "error":
		return clierr.New(clierr.NoSession, "profile %s: %s", r.Profile, firstLine(r.Error))
	}
	return nil
}

// checkStoreKind refuses a --store or SESAME_STORE that names no store
// once, before any row, instead of an error on every row.
func (a *App) checkStoreKind() error {
	// The explicit choice alone: what the table says with nothing
	// recorded and no file.
	c := session.ChooseStore(a.StoreKind, a.Getenv("SESAME_STORE"), "", "")
	if c.Source == "default" || slices.Contains(session.StoreKinds(), c.Kind) {
		return nil
	}
	return usageErr("%s %q names no credential store: want auto, keyring or file", c.Source, c.Kind)
}

func (a *App) statusOf(p *config.Profile, now time.Time) statusRow {
	r := statusRow{Profile: p.Name, Provider: p.Provider, Instance: p.URL, User: p.Username, tableUser: tableUser(p), Mode: p.Mode, modeText: profileModeText(a, p), Store: a.storeKind(p), State: "none"}
	st, err := a.Service().Status(p, now)
	if err != nil {
		r.State, r.Error = "error", err.Error()
		return r
	}
	r.Secret = st.Secret
	if !st.Stored {
		return r
	}
	if st.User != "" {
		r.User = st.User
	}
	r.until = st.ValidUntil
	if !r.until.IsZero() {
		t := r.until.UTC().Format(time.RFC3339)
		r.ExpiresAt = &t
	}
	if !st.LastUsed.IsZero() {
		t := st.LastUsed.UTC().Format(time.RFC3339)
		r.LastUsed = &t
	}
	r.State = "valid"
	if st.Expired {
		r.State = "expired"
	}
	if rj := st.Rejected; rj != nil {
		r.State = "rejected"
		r.Rejected = &statusRejected{At: rj.At.UTC().Format(time.RFC3339), By: rj.By}
		r.rejectedAt = rj.At
		if !st.SecretRefusedAt.IsZero() {
			r.Secret = false
		}
	}
	return r
}

// sessionText is the SESSION column: what a person needs at a glance.
func sessionText(r statusRow, now time.Time) string {
	switch r.State {
	case "valid":
		if r.until.IsZero() {
			return "valid (no expiry)"
		}
		return "valid until " + ui.When(r.until, now)
	case "expired":
		renew := ", will renew"
		if !r.Secret {
			renew = ", log in again"
		}
		return "expired " + ui.Relative(r.until, now) + renew
	case "rejected":
		what := "rejected by the vendor " + ui.Relative(r.rejectedAt, now)
		if r.Rejected.By != "" {
			what += " (" + r.Rejected.By + ")"
		}
		if r.Secret {
			return what + ", will renew"
		}
		return what + ", log in again"
	case "error":
		return "error: " + firstLine(r.Error)
	case "none":
		return "no session"
	}
	return r.State // a state the session layer added: shown as it is
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// writeStatusTable prints one row per profile. Every cell before SESSION is
// one word that is never empty ("-" for none), and the default profile is
// marked in a column of its own after it, so that awk '{print $2}' reads
// the provider on every row (as in profile list).
func writeStatusTable(w io.Writer, st *ui.Styles, rows []statusRow, now time.Time) {
	headers := []string{"PROFILE", "PROVIDER", "INSTANCE", "USER", "MODE", "STORE", "SESSION"}
	checked := len(rows) > 0 && rows[0].Check != ""
	if checked {
		headers = append(headers, "CHECK")
	}
	headers = append(headers, "DEFAULT")
	cells := make([][]string, len(rows))
	for i, r := range rows {
		// The user and the error come from the vendor: no control
		// characters reach the terminal.
		cells[i] = []string{r.Profile, r.Provider, redact.Text(r.Instance), redact.Text(r.tableUser), r.modeText, r.Store, redact.Text(sessionText(r, now))}
		if checked {
			// One word; the reason is on stderr (and in --json).
			cells[i] = append(cells[i], r.Check)
		}
		cells[i] = append(cells[i], defaultMark(r.Default))
	}
	out := st.Table(headers, cells, func(row, col int, v string) string {
		switch {
		case col == 6:
			return sessionStyle(st, rows[row])(v)
		case col == 7 && checked:
			return checkStyle(st, rows[row])(v)
		}
		return v
	})
	io.WriteString(w, out)
}

// defaultMark is the DEFAULT column of status and profile list.
func defaultMark(isDefault bool) string {
	if isDefault {
		return "(default)"
	}
	return ""
}

// tableUser is the USER column of status and profile list: the account the
// profile logs in as, "-" when it names none.
func tableUser(p *config.Profile) string {
	if p.Username == "" {
		return "-"
	}
	return p.Username
}
