package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/ui"
)

// States of `status --check`.
const (
	checkPassed      = "ok"
	checkRefused     = "rejected"    // the vendor said no: exit 4
	checkUnreachable = "unreachable" // network, TLS, timeout, vendor 5xx: exit 5
	checkError       = "error"       // anything else: the provider's call is wrong
	checkNone        = "none"        // no session to check: exit 4, as status PROFILE
)

// checkResult is one profile's verdict.
type checkResult struct {
	state string
	err   error
}

func (c checkResult) reason() string {
	if c.err == nil {
		return ""
	}
	return firstLine(c.err.Error())
}

// checkPeek is how much of the answer the provider may read to spot an
// auth error inside a 200 (AMS's rpc exception).
const checkPeek = 64 << 10

// checkProfile makes the provider's check call for p through the
// authenticating proxy's Forward, as `sesame api` sends: the stored session
// (renewed first when it has expired), one renewal and replay when the
// vendor answers with its auth error, the rate budget of any call, and no
// second try of a saved secret the vendor has refused (the session layer
// fails that at once).
func (a *App) checkProfile(ctx context.Context, p *config.Profile) checkResult {
	info := a.Service().Traits(p.Provider)
	if info.Check == nil {
		return checkResult{checkError, fmt.Errorf("provider %s names no check call", p.Provider)}
	}
	st, err := a.Service().Status(p, a.Now())
	if err == nil && !st.Stored && !st.Secret && p.Shared == nil {
		return checkResult{checkNone, fmt.Errorf("no session; log in: sesame login %s -p %s", p.Provider, p.Name)}
	}
	call := info.Check(p)
	base, err := a.Service().BaseURL(p)
	if err != nil {
		return checkResult{checkError, err}
	}
	target, err := resolveAgainst(base, call.Path)
	if err != nil {
		return checkResult{checkError, err}
	}
	u, err := url.Parse(target)
	if err != nil {
		return checkResult{checkError, err}
	}
	px, err := a.newAuthProxy(p, authproxy.Options{})
	if err != nil {
		return verdictOf(err)
	}
	hdr := http.Header{"Accept": {"application/json"}}
	if call.Body != nil {
		hdr.Set("Content-Type", "application/json")
	}
	resp, _, err := px.Forward(ctx, call.Method, u, hdr, bytes.NewReader(call.Body), int64(len(call.Body)))
	if err != nil {
		return verdictOf(err)
	}
	defer resp.Body.Close()
	peek, _ := io.ReadAll(io.LimitReader(resp.Body, checkPeek))
	where := showOrigin(u.String()) + u.EscapedPath()
	authErr, err := a.Service().IsAuthError(p, resp.StatusCode, resp.Header, peek)
	if err != nil {
		return checkResult{checkError, err}
	}
	switch code := resp.StatusCode; {
	case authErr || code == http.StatusUnauthorized || code == http.StatusForbidden:
		// Forward has already renewed once and sent the call again: the
		// vendor still says no.
		return checkResult{checkRefused, fmt.Errorf("HTTP %d from %s after a renewal: the vendor refuses this session; log in again: sesame login %s -p %s", code, where, p.Provider, p.Name)}
	case code >= 200 && code < 300:
		return checkResult{checkPassed, nil}
	case code == http.StatusTooManyRequests || code >= 500:
		return checkResult{checkUnreachable, fmt.Errorf("HTTP %d from %s", code, where)}
	default:
		return checkResult{checkError, fmt.Errorf("HTTP %d from %s: the check call itself failed (a bug: report it)", code, where)}
	}
}

// isProfile reports whether a profile of that name exists (for --json's
// field list given as an argument).
func (a *App) isProfile(name string) bool {
	c, err := a.Config()
	if err != nil {
		return false
	}
	_, err = c.Profile(name)
	return err == nil
}

// verdictOf reads an error of the session layer or the transport.
func verdictOf(err error) checkResult {
	var re *authproxy.Refusal
	if errors.As(err, &re) {
		return checkResult{checkError, errors.New(re.Msg)}
	}
	switch clierr.Code(err) {
	case clierr.Rejected, clierr.NoSession:
		return checkResult{checkRefused, err}
	case clierr.Network:
		return checkResult{checkUnreachable, err}
	case clierr.Interrupted:
		return checkResult{checkError, err}
	}
	return checkResult{checkError, err}
}

// checkText is the CHECK column.
func checkText(r statusRow) string {
	if r.CheckError == "" || r.Check == checkPassed {
		return r.Check
	}
	return r.Check + ": " + r.CheckError
}

func checkStyle(st *ui.Styles, r statusRow) func(string) string {
	switch r.Check {
	case checkPassed:
		return st.Good
	case checkUnreachable:
		return st.Warn
	}
	return st.Bad
}

// checkExit is the exit code of `status --check`: 4 when the vendor refused
// a profile (or it has no session), else 5 when one was unreachable, else
// 1 for a check call that failed otherwise; each failure on its own line.
func checkExit(rows []statusRow) error {
	var lines []string
	code := clierr.OK
	rank := map[string]int{checkRefused: 3, checkNone: 3, checkUnreachable: 2, checkError: 1}
	best := 0
	for _, r := range rows {
		if r.Check == checkPassed {
			continue
		}
		lines = append(lines, fmt.Sprintf("profile %s: %s: %s", r.Profile, r.Check, r.CheckError))
		if rank[r.Check] > best {
			best = rank[r.Check]
			switch r.Check {
			case checkRefused, checkNone:
				code = clierr.NoSession
			case checkUnreachable:
				code = clierr.Network
			default:
				code = clierr.Unexpected
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return clierr.New(code, "%s", strings.Join(lines, "\n"))
}
