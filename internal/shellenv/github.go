package shellenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// WriteGitHub exports vars to the later steps of a GitHub Actions job.
//
// First, for each secret variable, it prints ::add-mask::LINE to stdout for
// every non-blank line of the value, so that the runner hides the value in
// the log from then on. GitHub masks log output line by line, so a
// multi-line secret masked whole would never match; lines are split at CR
// and LF alike and trimmed of surrounding white space, as the runner itself
// splits a mask it is given (recent runners do split; older ones and GHES
// may not), which can only mask more. Each line
// is escaped as GitHub's toolkit does for command data (% as %25), because
// the runner unescapes %25, %0D and %0A before it registers the mask.
//
// Then it appends every variable to envFile ($GITHUB_ENV) in one write, in
// the runner's multi-line form
//
//	NAME<<DELIM
//	VALUE
//	DELIM
//
// for every value, one line or many: the runner takes VALUE as the exact
// text between the header's newline and the newline before the DELIM line,
// so this form carries any text, leading and trailing newlines included.
// DELIM is "SESAME_ENV_" and 32 random hex digits (crypto/rand), chosen
// afresh until it occurs nowhere in the value, so no line of the value
// (nor a line followed by the CR that a Windows runner would strip) can
// end it early; a guessable delimiter would let a value inject variables.
//
// Refused, before anything is written: invalid names, a NUL byte (no
// environment variable holds it), bytes that are not UTF-8 (the runner
// reads the file as UTF-8 text and would replace them) and a value that
// ends in CR (a Windows runner reads that CR and the LF after it as one
// line end and drops it). A CR anywhere else is kept.
func WriteGitHub(envFile io.Writer, stdout io.Writer, vars []Var) error {
	var masks, file strings.Builder
	for _, v := range vars {
		if err := checkName(v.Name); err != nil {
			return err
		}
		switch {
		case strings.IndexByte(v.Value, 0) >= 0:
			return errNUL("github", v.Name)
		case !utf8.ValidString(v.Value):
			return &ValueError{Shell: "github", Name: v.Name, Reason: "the value is not valid UTF-8, and the runner reads $GITHUB_ENV as UTF-8 text"}
		case strings.HasSuffix(v.Value, "\r"):
			// The CR and the LF that ends the value's last line would
			// read as one CRLF line end on a Windows runner, which drops
			// both. sesame does not know which runner reads the file
			// (a job can hand it on), so it refuses everywhere.
			return &ValueError{Shell: "github", Name: v.Name, Reason: "the value ends in a carriage return, which a Windows runner would drop"}
		}
		if v.Secret {
			for _, line := range strings.FieldsFunc(v.Value, func(r rune) bool { return r == '\n' || r == '\r' }) {
				// The runner refuses a blank mask with a warning; a line
				// of spaces holds nothing worth hiding.
				if line = strings.TrimSpace(line); line != "" {
					masks.WriteString("::add-mask::" + escapeCommandData(line) + "\n")
				}
			}
		}
		delim, err := githubDelimiter(v.Value)
		if err != nil {
			return err
		}
		file.WriteString(v.Name + "<<" + delim + "\n" + v.Value + "\n" + delim + "\n")
	}
	// Masks go out before the values reach the file: from here on any step
	// could print them.
	if masks.Len() > 0 {
		if _, err := io.WriteString(stdout, masks.String()); err != nil {
			return fmt.Errorf("print ::add-mask:: commands: %w", err)
		}
	}
	if _, err := io.WriteString(envFile, file.String()); err != nil {
		return fmt.Errorf("append to $GITHUB_ENV: %w", err)
	}
	return nil
}

// AppendGitHubEnv opens path (the value of $GITHUB_ENV) for appending,
// creating it with mode 0600 if needed, and calls WriteGitHub. An empty
// path is an error that says --shell github works only inside a GitHub
// Actions step.
func AppendGitHubEnv(path string, stdout io.Writer, vars []Var) (err error) {
	if path == "" {
		return errors.New("GITHUB_ENV is not set: --shell github works only inside a GitHub Actions step")
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open $GITHUB_ENV: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close $GITHUB_ENV: %w", cerr)
		}
	}()
	return WriteGitHub(f, stdout, vars)
}

// escapeCommandData escapes a workflow command's data the way
// @actions/core's escapeData does; the runner reverses it.
func escapeCommandData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubDelimiter returns a heredoc delimiter that does not occur in value.
func githubDelimiter(value string) (string, error) {
	for range 8 {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("make a $GITHUB_ENV delimiter: %w", err)
		}
		d := "SESAME_ENV_" + hex.EncodeToString(b[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	// 8 random 128-bit strings all inside one value means rand is broken.
	return "", errors.New("make a $GITHUB_ENV delimiter: every random delimiter occurred in the value")
}
