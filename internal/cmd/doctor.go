package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/ui"
)

// Check outcomes, as --json spells them.
const (
	checkOK   = "ok"   // ✓ nothing to do
	checkWarn = "warn" // ! works, but worth knowing
	checkFail = "fail" // ✗ something will not work until fixed
)

// doctorCheck is the verdict every line of the report carries.
type doctorCheck struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type doctorPath struct {
	doctorCheck
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Mode   string `json:"mode,omitempty"`
}

type doctorKeychain struct {
	doctorCheck
	Available bool    `json:"available"`
	TookMS    float64 `json:"took_ms"`
	Reason    string  `json:"reason,omitempty"`
	AutoUses  string  `json:"auto_uses"`
}

type doctorStore struct {
	doctorCheck
	Kind   string `json:"kind"`
	Source string `json:"source"`
	Uses   string `json:"uses"`
}

type doctorCurl struct {
	doctorCheck
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
}

type doctorProfile struct {
	doctorCheck
	statusRow
	// RateLimit is what the vendor's last answer seen (the login's) said
	// about its rate limit: TDX X-RateLimit-* headers. No secret.
	RateLimit *doctorRateLimit `json:"rate_limit,omitempty"`
}

type doctorRateLimit struct {
	doctorCheck
	Limit     string  `json:"limit,omitempty"`
	Remaining string  `json:"remaining,omitempty"`
	Reset     *string `json:"reset,omitempty"`
	SeenAt    string  `json:"seen_at"`
}

// doctorReport is `sesame doctor --json`; its field names are part of the
// contract, like status's.
type doctorReport struct {
	Version  buildInfo       `json:"version"`
	Config   doctorPath      `json:"config"`
	Keychain doctorKeychain  `json:"keychain"`
	Store    doctorStore     `json:"store"`
	Sessions *doctorPath     `json:"sessions_dir,omitempty"`
	Curl     doctorCurl      `json:"curl"`
	Profiles []doctorProfile `json:"profiles"`
	Fleet    []doctorFleet   `json:"fleet,omitempty"`
}

func newDoctorCmd(app *App) *cobra.Command {
	var out jsonOutput
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check sesame's setup: config, keychain, store, curl and every session",
		Long: `Check, one line each, what sesame depends on: the config file (where it is,
whether it exists, its mode), whether the OS keychain answers and how fast,
which credential store is in use and why (auto takes the keychain when it
answers within 3 s, else 0600 files), whether curl is on PATH for
'sesame curl', and whether each profile's session is valid. Nothing is
renewed and no vendor is contacted.

✓ is fine, ! works but is worth knowing, ✗ needs fixing. The exit code is 0
whatever the report says, unless the config file cannot be read; --json gives
the same facts, each with "status": ok, warn or fail (--json=profiles,store
keeps those parts, --jq filters them).`,
		Example: `  sesame doctor
  sesame doctor --json | jq -r '.profiles[] | select(.status != "ok") | .profile'
  sesame doctor --jq '.store.uses'
  DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus sesame doctor`,
		Args: func(cmd *cobra.Command, args []string) error {
			if args = out.takeFieldsArg(args, nil); len(args) > 0 {
				return argsErr(cmd, argsProblem(cmd, args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := out.check(); err != nil {
				return err
			}
			rep, cfgErr := collectDoctor(cmd.Context(), app)
			if out.wanted() {
				if err := out.write(app.IO.Out, rep); err != nil {
					return err
				}
			} else {
				writeDoctor(app.IO.Out, ui.NewStyles(app.IO.Out, ui.Colour(app.IO.OutTTY)), rep)
				app.writeProxies(app.IO.Out)
			}
			return cfgErr
		},
	}
	addJSONFlags(cmd, &out, jsonFields(doctorReport{}))
	return cmd
}

// collectDoctor gathers the report. Its error is the config file's: the one
// failure that makes the report itself untrustworthy.
func collectDoctor(ctx context.Context, app *App) (*doctorReport, error) {
	rep := &doctorReport{Version: currentBuild(), Profiles: []doctorProfile{}}

	path, err := app.Service().ConfigPath()
	if err != nil {
		rep.Config.doctorCheck = doctorCheck{checkFail, err.Error()}
		return rep, err
	}
	rep.Config = checkConfigFile(path)
	c, cfgErr := app.Config()
	if cfgErr != nil {
		rep.Config.doctorCheck = doctorCheck{checkFail, fmt.Sprintf("%s cannot be read: %s", path, firstLine(cfgErr.Error()))}
	}

	probe := app.Service().ProbeKeychain()
	rep.Keychain = checkKeychain(probe)
	rep.Store = checkStore(app, probe)
	if dir, err := app.Service().StateDir(); err == nil {
		rep.Sessions = checkSessionsDir(filepath.Join(dir, "sessions"))
	}
	rep.Curl = checkCurl(ctx)

	if c == nil {
		return rep, cfgErr
	}
	now := app.Now()
	for _, n := range c.Names() {
		p := c.Profiles[n]
		r := app.statusOf(p, now)
		r.RateLimits = app.budgetsOf(p, now)
		rep.Profiles = append(rep.Profiles, doctorProfile{checkSession(p, r, now), r, app.rateLimitOf(p, now)})
		if p.Shared != nil {
			rep.Fleet = append(rep.Fleet, checkFleet(ctx, app, p))
		}
	}
	return rep, nil
}

// rateLimitOf reports the rate-limit headers the profile's stored session
// was issued with, or nil. The store is read, nothing is sent.
func (a *App) rateLimitOf(p *config.Profile, now time.Time) *doctorRateLimit {
	st, err := a.Service().Status(p, now)
	if err != nil || st.RateLimit == nil {
		return nil
	}
	rl := st.RateLimit
	d := &doctorRateLimit{Limit: rl.Limit, Remaining: rl.Remaining, SeenAt: rl.SeenAt.UTC().Format(time.RFC3339)}
	msg := fmt.Sprintf("%s of %s calls left", orQuestion(rl.Remaining), orQuestion(rl.Limit))
	if !rl.Reset.IsZero() {
		t := rl.Reset.UTC().Format(time.RFC3339)
		d.Reset = &t
		msg += ", resets at " + rl.Reset.Local().Format("2006-01-02 15:04:05 MST")
		if rl.Reset.Before(now) {
			msg += " (passed)"
		}
	}
	msg += " (seen at login " + rl.SeenAt.Local().Format("2006-01-02 15:04:05 MST") + ", " + ui.Relative(rl.SeenAt, now) + ")"
	d.doctorCheck = doctorCheck{checkOK, msg}
	if rl.Remaining == "0" && rl.Reset.After(now) {
		d.doctorCheck = doctorCheck{checkWarn, msg + "; the next login waits for the reset"}
	}
	return d
}

func orQuestion(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func checkConfigFile(path string) doctorPath {
	d := doctorPath{Path: path}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.doctorCheck = doctorCheck{checkWarn, path + " (not created yet; the first sesame login creates it)"}
		return d
	case err != nil:
		d.doctorCheck = doctorCheck{checkFail, fmt.Sprintf("%s: %v", path, err)}
		return d
	}
	d.Exists = true
	if runtime.GOOS == "windows" {
		d.doctorCheck = doctorCheck{checkOK, path}
		return d
	}
	mode := fi.Mode().Perm()
	d.Mode = fmt.Sprintf("%04o", mode)
	d.doctorCheck = doctorCheck{checkOK, fmt.Sprintf("%s (mode %s)", path, d.Mode)}
	if mode&0o077 != 0 {
		// It holds no secret, but user names and instances are nobody
		// else's business: sesame writes it 0600.
		d.doctorCheck = doctorCheck{checkWarn, fmt.Sprintf("%s (mode %s; others can read it: chmod 600 %s)", path, d.Mode, path)}
	}
	// Writable by others: renewals refuse to send a saved secret.
	if err := config.CheckWritable(path); err != nil {
		d.doctorCheck = doctorCheck{checkFail, err.Error()}
	}
	return d
}

func checkSessionsDir(dir string) *doctorPath {
	fi, err := os.Stat(dir)
	if err != nil || runtime.GOOS == "windows" {
		// Absent until the file store keeps something; Windows has no
		// mode bits worth reporting.
		return nil
	}
	mode := fi.Mode().Perm()
	d := &doctorPath{Path: dir, Exists: true, Mode: fmt.Sprintf("%04o", mode)}
	d.doctorCheck = doctorCheck{checkOK, fmt.Sprintf("%s (mode %s)", dir, d.Mode)}
	if mode&0o077 != 0 {
		d.doctorCheck = doctorCheck{checkFail, fmt.Sprintf("%s (mode %s; others can list the sessions: chmod 700 %s)", dir, d.Mode, dir)}
	}
	return d
}

func checkKeychain(p session.Keychain) doctorKeychain {
	k := doctorKeychain{Available: p.Available, TookMS: float64(p.Took.Microseconds()) / 1000}
	if p.Available {
		k.AutoUses = session.StoreKeyring
		k.doctorCheck = doctorCheck{checkOK, fmt.Sprintf("answered in %s — auto uses keyring", roundTook(p.Took))}
		return k
	}
	k.AutoUses = session.StoreFile
	k.Reason = firstLine(p.Reason)
	k.doctorCheck = doctorCheck{checkWarn, fmt.Sprintf("unavailable (%s) — auto uses file", k.Reason)}
	return k
}

func roundTook(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// checkStore says which store new logins use and where that choice comes
// from, in storeKind's order (a profile's own recorded store is shown on
// its line).
func checkStore(app *App, p session.Keychain) doctorStore {
	choice := app.Service().StoreChoice(nil)
	s := doctorStore{Kind: choice.Kind, Source: choice.Source}
	s.Uses = s.Kind
	if s.Kind == session.StoreAuto {
		s.Uses = session.StoreFile
		if p.Available {
			s.Uses = session.StoreKeyring
		}
	}
	what := fmt.Sprintf("%s (%s)", s.Kind, s.Source)
	if s.Uses != s.Kind {
		what += " → " + s.Uses
	}
	switch {
	case s.Kind == session.StoreKeyring && !p.Available:
		s.doctorCheck = doctorCheck{checkFail, what + ", but the keychain is unavailable: use --store file or SESAME_STORE=file"}
	case s.Kind == session.StoreMemory:
		s.doctorCheck = doctorCheck{checkWarn, what + ": sessions last only as long as one sesame process"}
	case !validKind(s.Kind):
		s.doctorCheck = doctorCheck{checkFail, fmt.Sprintf("%s: unknown store; use one of %s", what, strings.Join(session.StoreKinds(), ", "))}
	default:
		s.doctorCheck = doctorCheck{checkOK, what + ", for new logins"}
	}
	return s
}

func validKind(k string) bool {
	for _, v := range session.StoreKinds() {
		if k == v {
			return true
		}
	}
	return false
}

func checkCurl(ctx context.Context) doctorCurl {
	path, err := exec.LookPath("curl")
	if err != nil {
		return doctorCurl{doctorCheck: doctorCheck{checkWarn, "not on PATH; sesame curl needs it (sesame api and token show --format curl do not)"}}
	}
	d := doctorCurl{Path: path}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, path, "--version")
	c.Env = childEnv(os.Environ())
	out, err := c.Output()
	if err != nil {
		d.doctorCheck = doctorCheck{checkWarn, fmt.Sprintf("%s does not run: curl --version: %v", path, err)}
		return d
	}
	d.Version = strings.TrimSpace(firstLine(string(out)))
	// The first line goes on to list every library; the version and
	// platform are what a person needs.
	short := d.Version
	if f := strings.Fields(short); len(f) >= 3 && f[0] == "curl" {
		short = strings.Join(f[:3], " ")
	}
	d.doctorCheck = doctorCheck{checkOK, short + " at " + path}
	return d
}

func checkSession(p *config.Profile, r statusRow, now time.Time) doctorCheck {
	about := fmt.Sprintf("%s %s", r.Provider, r.Instance)
	if r.User != "" {
		about += " as " + r.User
	}
	about += ", store " + r.Store + ": "
	relogin := fmt.Sprintf("sesame -p %s login %s", p.Name, p.Provider)
	switch r.State {
	case "valid":
		return doctorCheck{checkOK, about + sessionText(r, now)}
	case "expired":
		if r.Secret {
			return doctorCheck{checkWarn, about + sessionText(r, now)}
		}
		return doctorCheck{checkFail, about + "expired " + ui.Relative(r.until, now) + "; log in again: " + relogin}
	case "rejected":
		// The session has not reached its end, but the vendor refused it
		// in use (logged out elsewhere, an admin ended it, the password or
		// key changed): it is never handed out again.
		why := about + "the vendor ended this session before its time"
		if r.Rejected != nil {
			why += " (at " + r.Rejected.At
			if r.Rejected.By != "" {
				why += ", answering " + r.Rejected.By
			}
			why += ")"
		}
		if r.Secret {
			return doctorCheck{checkWarn, why + "; the next use logs in again with the saved secret"}
		}
		return doctorCheck{checkFail, why + " and it cannot be renewed (the saved secret was refused, or none is saved); log in again: " + relogin}
	case "none":
		if r.Secret {
			return doctorCheck{checkWarn, about + "no session; the next use logs in with the saved secret"}
		}
		return doctorCheck{checkFail, about + "no session; log in: " + relogin}
	}
	return doctorCheck{checkFail, about + sessionText(r, now)}
}

func writeDoctor(w io.Writer, st *ui.Styles, rep *doctorReport) {
	var b strings.Builder
	line := func(name string, c doctorCheck) {
		mark := st.Good("✓")
		switch c.Status {
		case checkWarn:
			mark = st.Warn("!")
		case checkFail:
			mark = st.Bad("✗")
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, name, c.Message)
	}
	line("version", doctorCheck{checkOK, versionString()})
	line("config", rep.Config.doctorCheck)
	line("keychain", rep.Keychain.doctorCheck)
	line("store", rep.Store.doctorCheck)
	if rep.Sessions != nil {
		line("session files", rep.Sessions.doctorCheck)
	}
	line("curl", rep.Curl.doctorCheck)
	if len(rep.Profiles) == 0 && rep.Config.Status != checkFail {
		line("profiles", doctorCheck{checkWarn, "none yet; log in first: sesame login tdx|ams|ym"})
	}
	for _, p := range rep.Profiles {
		line("profile "+p.Profile, p.doctorCheck)
		if p.RateLimit != nil {
			line("rate limit "+p.Profile, p.RateLimit.doctorCheck)
		}
		for _, b := range p.RateLimits {
			line("budget "+p.Profile, doctorCheck{checkOK, b.text()})
		}
	}
	for _, f := range rep.Fleet {
		line("fleet "+f.Profile, f.doctorCheck)
	}
	io.WriteString(w, b.String())
}
