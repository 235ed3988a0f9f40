package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/ui"
)

type statusOptions struct {
	Profile string
	JSON    bool
}

// statusRow is one profile's line; its JSON names are part of the contract.
type statusRow struct {
	Profile   string  `json:"profile"`
	Provider  string  `json:"provider"`
	Instance  string  `json:"instance"`
	User      string  `json:"user"`
	Mode      string  `json:"mode"`
	Store     string  `json:"store"`
	State     string  `json:"state"` // valid, expired, none, error
	ExpiresAt *string `json:"expires_at"`
	LastUsed  *string `json:"last_used,omitempty"`
	Secret    bool    `json:"secret_saved"`
	Error     string  `json:"error,omitempty"`

	until time.Time
}

func newStatusCmd(app *App) *cobra.Command {
	opts := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [PROFILE]",
		Short: "Show profiles and the state of their sessions",
		Long: `Show each profile (or one): provider, instance, user, mode, store and whether
its session is valid, expired or absent. Nothing is renewed. The table is
plain text when stdout is not a terminal or NO_COLOR is set; --json gives the
same facts for scripts.`,
		Example: `  sesame status
  sesame status tdx --json | jq -r '.[0].state'`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			return runStatus(app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func runStatus(app *App, opts *statusOptions) error {
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
	now := app.Now()
	rows := make([]statusRow, 0, len(profiles))
	for _, p := range profiles {
		rows = append(rows, app.statusOf(p, now))
	}
	if opts.JSON {
		enc := json.NewEncoder(app.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(app.IO.ErrOut, "no profiles yet; log in first: sesame login tdx|ams|ym")
		return nil
	}
	writeStatusTable(app.IO.Out, ui.NewStyles(app.IO.Out, ui.Colour(app.IO.OutTTY)), rows, now)
	return nil
}

func (a *App) statusOf(p *config.Profile, now time.Time) statusRow {
	r := statusRow{Profile: p.Name, Provider: p.Provider, Instance: p.URL, User: p.Username, Mode: p.Mode, Store: a.storeKind(p), State: "none"}
	prov, err := registry.Get(p.Provider)
	if err != nil {
		r.State, r.Error = "error", err.Error()
		return r
	}
	mgr, err := a.Sessions()
	if err != nil {
		r.State, r.Error = "error", err.Error()
		return r
	}
	rec, err := mgr.Load(p)
	if err != nil {
		r.State, r.Error = "error", err.Error()
		return r
	}
	r.Secret = rec.Secret != ""
	if rec.Session == nil {
		return r
	}
	s := rec.Session
	if s.User != "" {
		r.User = s.User
	}
	w := a.windows(p)
	r.until = prov.ValidUntil(s, w)
	if !r.until.IsZero() {
		t := r.until.UTC().Format(time.RFC3339)
		r.ExpiresAt = &t
	}
	if !s.LastUsed.IsZero() {
		t := s.LastUsed.UTC().Format(time.RFC3339)
		r.LastUsed = &t
	}
	r.State = "valid"
	if providers.Expired(prov, s, w, now, 0) {
		r.State = "expired"
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
		return "valid until " + r.until.Local().Format("2006-01-02 15:04") + " (" + ui.Relative(r.until, now) + ")"
	case "expired":
		renew := ", will renew"
		if !r.Secret {
			renew = ", log in again"
		}
		return "expired " + ui.Relative(r.until, now) + renew
	case "error":
		return "error: " + firstLine(r.Error)
	}
	return "no session"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func writeStatusTable(w io.Writer, st *ui.Styles, rows []statusRow, now time.Time) {
	headers := []string{"PROFILE", "PROVIDER", "INSTANCE", "USER", "MODE", "STORE", "SESSION"}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = []string{r.Profile, r.Provider, r.Instance, r.User, r.Mode, r.Store, sessionText(r, now)}
	}
	out := st.Table(headers, cells, func(row, col int, v string) string {
		if col != 6 {
			return v
		}
		switch rows[row].State {
		case "valid":
			return st.Good(v)
		case "expired":
			return st.Warn(v)
		case "error":
			return st.Bad(v)
		}
		return st.Dim(v)
	})
	io.WriteString(w, out)
}

var _ = clierr.OK
