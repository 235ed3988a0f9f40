package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/redact"
)

type apiOptions struct {
	Path    string
	Method  string
	Headers []string
	Input   string
	NoRenew bool
}

func newAPICmd(app *App) *cobra.Command {
	opts := &apiOptions{}
	cmd := &cobra.Command{
		Use:   "api PATH",
		Short: "Make an authenticated request with sesame's own HTTP client",
		Long: `Send one request to the profile's API and print the response body, with the
session's headers added. PATH is relative to the profile's API base
({url}/TDWebApi for TDX, the app URL for AMS, {url}/Ams/{ClientID} for YM),
or an absolute URL on the same origin. When the server says the session has
expired, sesame logs in again once and repeats the request.

Unlike 'sesame curl' it needs no curl: it is what 'sesame sandbox demo' uses.
An HTTP status of 400 or more exits 1 after printing the body.`,
		Example: `  sesame api /api/auth/getuser
  sesame -p ams api -X POST /api/v2/some/endpoint --input body.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runAPI(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default GET, or POST with --input)")
	f.StringArrayVarP(&opts.Headers, "header", "H", nil, "extra request header NAME:VALUE")
	f.StringVar(&opts.Input, "input", "", "request body from FILE, or - for stdin")
	f.BoolVar(&opts.NoRenew, "no-renew", false, "fail (exit 4) instead of renewing an expired session")
	return cmd
}

func runAPI(ctx context.Context, app *App, opts *apiOptions) error {
	p, err := app.resolveProfile("")
	if err != nil {
		return err
	}
	base, err := baseOf(p)
	if err != nil {
		return err
	}
	target, err := resolveAgainst(base, opts.Path)
	if err != nil {
		return err
	}
	if !sameOrigin(target, base) {
		return usageErr("%s is not on the profile's origin (%s): sesame api sends credentials to the profile's own API only", redact.URL(target), originOf(base))
	}
	var body []byte
	if opts.Input != "" {
		var r io.Reader = app.IO.In
		if opts.Input != "-" {
			f, err := os.Open(opts.Input)
			if err != nil {
				return usageErr("--input: %v", err)
			}
			defer f.Close()
			r = f
		}
		if body, err = io.ReadAll(r); err != nil {
			return usageErr("--input: %v", err)
		}
	}
	method := opts.Method
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	extra := http.Header{}
	for _, h := range opts.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return usageErr("--header %q: want NAME:VALUE", h)
		}
		extra.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if body != nil && extra.Get("Content-Type") == "" {
		extra.Set("Content-Type", "application/json")
	}
	// The same door as curl and proxy: the authenticating proxy's Forward,
	// in-process.
	px, err := app.newAuthProxy(p, authproxy.Options{NoRenew: opts.NoRenew})
	if err != nil {
		return err
	}
	u, err := url.Parse(target)
	if err != nil {
		return usageErr("%q: %v", opts.Path, err)
	}
	resp, _, err := px.Forward(ctx, method, u, extra, bytes.NewReader(body), int64(len(body)))
	if err != nil {
		var re *authproxy.Refusal
		if errors.As(err, &re) {
			return usageErr("%s", re.Msg)
		}
		return err
	}
	defer resp.Body.Close()
	last, err := copyTail(app.IO.Out, resp.Body)
	if err != nil {
		return clierr.New(clierr.Network, "reading the answer from %s: %v", originOf(target), err)
	}
	if last != 0 && last != '\n' && app.IO.OutTTY {
		fmt.Fprintln(app.IO.Out)
	}
	if resp.StatusCode >= 400 {
		return clierr.New(clierr.Unexpected, "HTTP %d from %s", resp.StatusCode, originOf(target))
	}
	return nil
}

// copyTail streams r to w and returns the last byte written (0 for none).
func copyTail(w io.Writer, r io.Reader) (byte, error) {
	buf := make([]byte, 32<<10)
	var last byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			last = buf[n-1]
			if _, werr := w.Write(buf[:n]); werr != nil {
				return last, werr
			}
		}
		if err == io.EOF {
			return last, nil
		}
		if err != nil {
			return last, err
		}
	}
}

// resolveAgainst resolves a request path against the API base: "/x" is
// base+"/x"; an absolute URL stays as it is.
func resolveAgainst(base, p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return strings.TrimRight(base, "/") + p, nil
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", usageErr("%q is neither a path starting with / nor an absolute URL", p)
	}
	return p, nil
}

// originOf is scheme://host:port of a URL, with the default port spelled out.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

func sameOrigin(a, b string) bool {
	oa := originOf(a)
	return oa != "" && oa == originOf(b)
}
