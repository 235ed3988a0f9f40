package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/redact"
)

type apiOptions struct {
	Path      string
	Method    string
	Headers   []string
	Input     string
	NoRenew   bool
	JQ        string
	Include   bool
	RawFields []string // -f key=value: strings
	Fields    []string // -F key=value: numbers, true/false/null, @file
	Paginate  bool

	// answerError reads a vendor failure inside a 2xx answer (the
	// provider's Info.AnswerError); nil for vendors that have none.
	answerError func(status int, body []byte) string
}

// ExitHTTP is `sesame api`'s exit code for an answer with an HTTP error
// status (400 or more): the body is still printed, the status is on stderr.
const ExitHTTP = clierr.HTTPStatus

func newAPICmd(app *App) *cobra.Command {
	opts := &apiOptions{}
	cmd := &cobra.Command{
		Use:   "api PATH",
		Short: "Make an authenticated request with sesame's own HTTP client",
		Long: `Send one request to the profile's API and print the response body, with the
session's headers added. PATH is relative to the profile's API base
({url}/TDWebApi for TDX, the app URL for AMS, {url}/Ams/{ClientID} for YM):
"/api/auth/getuser" and "api/auth/getuser" alike; a path pasted with the base
already in it ("/TDWebApi/api/…", "/Ams/31337/…") or an absolute URL on the
same origin is taken as it is. When the server says the session has expired,
sesame logs in again once and repeats the request.

JSON answers are pretty-printed on a terminal and left as they are when
piped; --jq filters them (jq syntax, gojq). -f key=value and -F key=value
build a JSON body (with -X GET, a query string); -F reads numbers, true,
false and null as such and @FILE as the file's content. -i prints the status
line and headers first. --paginate follows YourMembership's PageNumber
(TeamDynamix and AMS do not page: their searches take a result limit).

An HTTP status of 400 or more prints "sesame: HTTP 404 from …" on stderr,
the body on stdout, and exits 7.`,
		Example: `  sesame api /api/auth/getuser --jq .UserName
  sesame -p ams api -X POST /api/v2/person/search -f firstName=Ann
  sesame -p ym api /MemberList --paginate --jq '.Members[].Username'
  sesame api -i /api/auth/getuser`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{argsAnnotation: "name the PATH to request, relative to the profile's API: sesame api /api/auth/getuser"},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runAPI(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default GET, or POST with a body)")
	f.StringArrayVarP(&opts.Headers, "header", "H", nil, "extra request header NAME:VALUE")
	f.StringVar(&opts.Input, "input", "", "request body from FILE, or - for stdin")
	f.BoolVar(&opts.NoRenew, "no-renew", false, "fail (exit 4) instead of renewing an expired session")
	f.StringVarP(&opts.JQ, "jq", "q", "", "filter a JSON answer with a jq expression")
	f.BoolVarP(&opts.Include, "include", "i", false, "print the status line and response headers first")
	f.StringArrayVarP(&opts.RawFields, "raw-field", "f", nil, "add a string field key=value to the JSON body")
	f.StringArrayVarP(&opts.Fields, "field", "F", nil, "add a typed field key=value (number, true, false, null, @FILE)")
	f.BoolVar(&opts.Paginate, "paginate", false, "fetch every page (YourMembership PageNumber/PageSize)")
	return cmd
}

func runAPI(ctx context.Context, app *App, opts *apiOptions) error {
	p, err := app.resolveProfile("")
	if err != nil {
		return err
	}
	base, err := app.Service().BaseURL(p)
	if err != nil {
		return err
	}
	target, err := resolveAgainst(base, opts.Path)
	if err != nil {
		return err
	}
	if !origin.Same(target, base) {
		return usageErr("%s is not on the profile's origin (%s): sesame api sends credentials to the profile's own API only", redact.URL(target), showOrigin(base))
	}
	traits := app.Service().Traits(p.Provider)
	if opts.Paginate && !traits.Paginates {
		return usageErr("--paginate: %s does not page its answers (its searches take a result limit instead); only YourMembership's PageNumber is followed", p.Provider)
	}
	var query *jqQuery
	if opts.JQ != "" {
		if query, err = parseJQ(opts.JQ); err != nil {
			return err
		}
	}
	var body []byte
	if opts.Input != "" {
		if len(opts.Fields)+len(opts.RawFields) > 0 {
			return usageErr("give the body with --input or with -f/-F, not both")
		}
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
	fields, err := apiFields(opts)
	if err != nil {
		return err
	}
	method := strings.ToUpper(opts.Method)
	if method == "" {
		method = http.MethodGet
		if body != nil || len(fields) > 0 {
			method = http.MethodPost
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		return usageErr("%q: %v", opts.Path, err)
	}
	if len(fields) > 0 {
		if method == http.MethodGet || method == http.MethodHead {
			q := u.Query()
			for k, v := range fields {
				q.Set(k, fmt.Sprint(v))
			}
			u.RawQuery = q.Encode()
		} else if body, err = json.Marshal(fields); err != nil {
			return err
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
	opts.answerError = traits.AnswerError
	pageSize := 0
	if opts.Paginate {
		q := u.Query()
		if pageSize, _ = strconv.Atoi(q.Get("PageSize")); pageSize <= 0 {
			pageSize = 100
			q.Set("PageSize", strconv.Itoa(pageSize))
		}
		if q.Get("PageNumber") == "" {
			q.Set("PageNumber", "1")
		}
		u.RawQuery = q.Encode()
	}
	for page := 1; ; page++ {
		more, err := apiRequest(ctx, app, px, method, u, extra, body, opts, query, pageSize)
		if err != nil || !more {
			return err
		}
		if page >= maxPages {
			return clierr.New(clierr.Unexpected, "--paginate: stopped after %d pages", maxPages)
		}
		q := u.Query()
		n, _ := strconv.Atoi(q.Get("PageNumber"))
		q.Set("PageNumber", strconv.Itoa(n+1))
		u.RawQuery = q.Encode()
	}
}

// maxPages bounds --paginate, so a server that never ends a list cannot
// keep sesame asking.
const maxPages = 1000

// apiRequest sends one request and prints its answer. With pageSize > 0 it
// reports whether another page may follow: the answer's list was full.
func apiRequest(ctx context.Context, app *App, px *authproxy.Proxy, method string, u *url.URL, extra http.Header, body []byte, opts *apiOptions, query *jqQuery, pageSize int) (bool, error) {
	resp, _, err := px.Forward(ctx, method, u, extra, bytes.NewReader(body), int64(len(body)))
	if err != nil {
		var re *authproxy.Refusal
		if errors.As(err, &re) {
			return false, usageErr("%s", re.Msg)
		}
		return false, err
	}
	defer resp.Body.Close()
	where := showOrigin(u.String()) + u.EscapedPath()
	if opts.Include {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
		keys := make([]string, 0, len(resp.Header))
		for k := range resp.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range resp.Header[k] {
				fmt.Fprintf(&b, "%s: %s\n", k, redact.Text(v))
			}
		}
		b.WriteString("\n")
		io.WriteString(app.IO.Out, b.String())
	}
	isJSON := strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json")
	// A vendor that reports failures inside a 2xx answer (YM's
	// ResponseStatus) has its JSON answers read whole, to be checked.
	checkAnswer := opts.answerError != nil && isJSON && resp.StatusCode < 300
	answerErr := ""
	more := false
	if query != nil || pageSize > 0 || (app.IO.OutTTY && isJSON) || checkAnswer {
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONAnswer+1))
		if err != nil {
			return false, clierr.New(clierr.Network, "reading the answer from %s: %v", where, err)
		}
		if len(data) > maxJSONAnswer {
			return false, clierr.New(clierr.Unexpected, "the answer from %s is over %d MiB: too large to filter; drop --jq/--paginate and pipe it", where, maxJSONAnswer>>20)
		}
		if checkAnswer {
			answerErr = opts.answerError(resp.StatusCode, data)
		}
		var v any
		jsonErr := json.Unmarshal(data, &v)
		switch {
		case query != nil && jsonErr != nil && resp.StatusCode < 400:
			return false, clierr.New(clierr.Unexpected, "--jq: the answer from %s is not JSON: %v", where, jsonErr)
		case query != nil && jsonErr == nil:
			if err := query.run(app.IO.Out, v); err != nil {
				return false, err
			}
		case jsonErr == nil && app.IO.OutTTY:
			var b bytes.Buffer
			if json.Indent(&b, data, "", "  ") == nil {
				data = append(b.Bytes(), '\n')
			}
			app.IO.Out.Write(data)
		default:
			app.IO.Out.Write(data)
		}
		if pageSize > 0 && jsonErr == nil && resp.StatusCode < 400 && answerErr == "" {
			more = fullPage(v, pageSize)
		}
	} else {
		last, err := copyTail(app.IO.Out, resp.Body)
		if err != nil {
			return false, clierr.New(clierr.Network, "reading the answer from %s: %v", where, err)
		}
		if last != 0 && last != '\n' && app.IO.OutTTY {
			fmt.Fprintln(app.IO.Out)
		}
	}
	if resp.Header.Get(authproxy.NotReplayedHeader) != "" {
		return false, notSentErr()
	}
	if resp.StatusCode >= 400 {
		return false, clierr.New(ExitHTTP, "HTTP %d from %s", resp.StatusCode, where)
	}
	if answerErr != "" {
		// The body is on stdout as it came; the vendor's words, which are
		// its data, reach the terminal without control characters.
		return false, clierr.New(ExitHTTP, "HTTP %d from %s, but the answer is an error: %s", resp.StatusCode, where, redact.Text(answerErr))
	}
	return more, nil
}

// maxJSONAnswer bounds an answer read whole (to filter or pretty-print it).
const maxJSONAnswer = 64 << 20

// fullPage reports whether a page's list (its first array, at the top or
// one level down) holds pageSize items: then another page may follow.
func fullPage(v any, pageSize int) bool {
	switch t := v.(type) {
	case []any:
		return len(t) >= pageSize
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if a, ok := t[k].([]any); ok {
				return len(a) >= pageSize
			}
		}
	}
	return false
}

// apiFields builds the JSON body (or query) from -f and -F.
func apiFields(opts *apiOptions) (map[string]any, error) {
	out := map[string]any{}
	for _, f := range opts.RawFields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, usageErr("-f %q: want key=value", f)
		}
		out[k] = v
	}
	for _, f := range opts.Fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, usageErr("-F %q: want key=value", f)
		}
		switch {
		case strings.HasPrefix(v, "@"):
			data, err := os.ReadFile(v[1:])
			if err != nil {
				return nil, usageErr("-F %s: %v", k, err)
			}
			out[k] = string(data)
		case v == "true", v == "false":
			out[k] = v == "true"
		case v == "null":
			out[k] = nil
		default:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			} else if x, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = x
			} else {
				out[k] = v
			}
		}
	}
	return out, nil
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

// resolveAgainst resolves a request path against the API base: "/x" and
// "x" are base+"/x"; a path that already starts with the base's own path
// ("/TDWebApi/…", pasted from the vendor's docs) is taken on the base's
// origin; an absolute URL stays as it is.
func resolveAgainst(base, p string) (string, error) {
	if u, err := url.Parse(p); err == nil && u.Scheme != "" && u.Host != "" {
		return p, nil
	}
	if strings.Contains(p, "://") {
		return "", usageErr("%q is neither a path nor an absolute URL", p)
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", usageErr("%q: %v", base, err)
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if bp := strings.TrimRight(b.Path, "/"); bp != "" && (p == bp || strings.HasPrefix(strings.ToLower(p), strings.ToLower(bp)+"/")) {
		return b.Scheme + "://" + b.Host + p, nil
	}
	return strings.TrimRight(base, "/") + p, nil
}

// showOrigin is u's origin for messages, or u itself (secrets hidden) when
// it has none.
func showOrigin(u string) string {
	if o := origin.Of(u); o != "" {
		return o
	}
	return redact.URL(u)
}
