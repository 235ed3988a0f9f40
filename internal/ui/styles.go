package ui

import (
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/muesli/termenv"
)

// Colour reports whether output to a stream may be styled: it is a terminal
// and NO_COLOR is unset.
func Colour(tty bool) bool {
	_, no := os.LookupEnv("NO_COLOR")
	return tty && !no && os.Getenv("TERM") != "dumb"
}

// Styles are the few styles sesame uses. The zero value prints plain text.
type Styles struct {
	r     *lipgloss.Renderer
	plain bool
}

// NewStyles returns styles for w: lipgloss when colour is true, plain text
// otherwise. The renderer's colour profile and background are fixed here so
// that lipgloss never queries the terminal.
func NewStyles(w io.Writer, colour bool) *Styles {
	if !colour {
		return &Styles{plain: true}
	}
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	return &Styles{r: r}
}

func (s *Styles) style(fg string, bold bool) func(string) string {
	if s.plain {
		return func(x string) string { return x }
	}
	st := s.r.NewStyle().Foreground(lipgloss.Color(fg)).Bold(bold)
	return func(x string) string { return st.Render(x) }
}

// Good, Bad, Warn, Dim and Bold colour text for people.
func (s *Styles) Good(x string) string { return s.style("42", false)(x) }
func (s *Styles) Bad(x string) string  { return s.style("203", false)(x) }
func (s *Styles) Warn(x string) string { return s.style("214", false)(x) }
func (s *Styles) Dim(x string) string  { return s.style("245", false)(x) }
func (s *Styles) Bold(x string) string { return s.style("255", true)(x) }

// Table renders rows under headers: a lipgloss table with a rounded border
// when styled; aligned columns separated by two spaces otherwise, so that
// awk and grep can read it. cell styles a cell of a styled table.
func (s *Styles) Table(headers []string, rows [][]string, cell func(row, col int, v string) string) string {
	if s.plain {
		widths := make([]int, len(headers))
		all := append([][]string{headers}, rows...)
		for _, r := range all {
			for i, c := range r {
				if n := len([]rune(c)); n > widths[i] {
					widths[i] = n
				}
			}
		}
		var b strings.Builder
		for _, r := range all {
			var line strings.Builder
			for i, c := range r {
				if i == len(r)-1 {
					line.WriteString(c)
				} else {
					fmt.Fprintf(&line, "%-*s  ", widths[i], c)
				}
			}
			// An empty last cell (a marker column) leaves no trailing blanks.
			b.WriteString(strings.TrimRight(line.String(), " "))
			b.WriteString("\n")
		}
		return b.String()
	}
	if cell != nil {
		styled := make([][]string, len(rows))
		for i, r := range rows {
			styled[i] = make([]string, len(r))
			for j, v := range r {
				styled[i][j] = cell(i, j, v)
			}
		}
		rows = styled
	}
	border := s.r.NewStyle().Foreground(lipgloss.Color("240"))
	pad := s.r.NewStyle().Padding(0, 1)
	head := pad.Bold(true).Foreground(lipgloss.Color("255"))
	t := table.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(border).
		Headers(headers...).
		Rows(rows...).
		StyleFunc(func(row, _ int) lipgloss.Style {
			if row == table.HeaderRow {
				return head
			}
			return pad
		})
	return t.String() + "\n"
}

// Relative says how far t is from now for people: "in 23h", "4m ago",
// "just now".
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	if d < 0 {
		d = -d
	}
	var n string
	switch {
	case d < 30*time.Second:
		return "just now"
	case d < time.Hour:
		n = fmt.Sprintf("%dm", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		n = fmt.Sprintf("%dh", int(d.Round(time.Hour)/time.Hour))
	default:
		n = fmt.Sprintf("%dd", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
	if future {
		return "in " + n
	}
	return n + " ago"
}

// When is how sesame prints a moment for people, the same in every command:
// local time with its zone, then how far it is ("2026-11-30 19:12 UTC (in 59m)").
func When(t, now time.Time) string {
	return t.Local().Format("2006-01-02 15:04 MST") + " (" + Relative(t, now) + ")"
}

// Fit cuts each line of s to at most width columns, ending a cut line with
// "…"; styling escapes take no columns and are kept. Zero or a negative
// width leaves s as it is.
func Fit(s string, width int) string {
	if width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}
