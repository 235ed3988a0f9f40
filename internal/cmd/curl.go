package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/curlargs"
	"github.com/sesame-cli/sesame/internal/origin"
)

func newCurlCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "curl [CURL ARGS…]",
		Short: "Run curl against the profile's API through sesame's authenticating proxy",
		Long: `Run the system curl with every argument passed through, its requests to the
profile's API going through an authenticating proxy that sesame runs on
127.0.0.1 for this one run. curl never holds a vendor credential: the proxy
adds the session's headers on its way to the vendor. sesame's own flags go
before 'curl'.

  - A URL that starts with /, or a word that is not a host name
    (api/auth/getuser), is a path of the profile's API base:
    {url}/TDWebApi for TDX, the app URL for AMS, {url}/Ams/{ClientID} for YM.
    URLs on the profile's own origin go through the proxy too. An absolute
    URL that is the origin of several profiles needs -p (exit 2 without).
  - Any other URL is left as it is and gets nothing of sesame's.
  - curl runs with -q (no ~/.curlrc) and no header from sesame: each URL
    on the proxy carries a capability for this run in its path, and
    reaches curl in a config it reads from a pipe (-K) at the URL's place,
    never on its command line. So no other URL, no url = line of your own
    -K file and no redirect to another origin can receive it.
  - curl follows redirects itself when you ask it to (-L); a redirect within
    the API comes back pointing at the proxy.
  - When the session has expired or the server rejects it, sesame logs in
    again and repeats the request once (when its body is at most 1 MiB);
    you see only the final response.
  - TLS to the vendor is sesame's: --cacert / SESAME_CA_FILE (a --cacert
    among curl's arguments is used too); curl's -k does not loosen it.
The exit code is curl's own.`,
		Example: `  sesame curl /api/auth/getuser
  sesame -p ams curl -sS -X POST /api/v2/person/search -H 'Content-Type: application/json' -d @query.json
  sesame -p ym curl -sS /MemberProfile`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Reached only through cobra (e.g. `sesame help curl` paths);
			// run() routes `sesame [flags] curl …` to runCurl directly so
			// that curl's flags are never parsed as sesame's.
			return runCurl(cmd.Context(), app, args)
		},
	}
}

// splitCurl finds `curl` in sesame's argv and parses the global flags before
// it. ok is false when the command is not curl.
func splitCurl(app *App, root *cobra.Command, args []string) (curlArgs []string, ok bool, err error) {
	pf := root.PersistentFlags()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			if a != "curl" {
				return nil, false, nil
			}
			fs := pflag.NewFlagSet("sesame", pflag.ContinueOnError)
			fs.AddFlagSet(pf)
			fs.SetOutput(app.IO.ErrOut)
			if err := fs.Parse(args[:i]); err != nil {
				return nil, true, clierr.Wrap(clierr.Usage, err)
			}
			return args[i+1:], true, nil
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		var f *pflag.Flag
		if strings.HasPrefix(a, "--") {
			f = pf.Lookup(name)
		} else if len(name) == 1 {
			f = pf.ShorthandLookup(name)
		}
		if f != nil && f.Value.Type() != "bool" && len(name) > 0 {
			i++ // skip the flag's value
		}
	}
	return nil, false, nil
}

// errNoCurl points to the way of using a session without curl.
var errNoCurl = clierr.New(clierr.Unexpected, "curl is not on PATH; install it, or give the session to another client: sesame token show --format curl (a curl config for curl -K -), or sesame proxy")

func runCurl(ctx context.Context, app *App, argv []string) error {
	look := app.LookPath
	if look == nil {
		look = exec.LookPath
	}
	curlPath, err := look("curl")
	if err != nil {
		return errNoCurl
	}
	a := curlargs.Parse(argv)
	urls := a.URLs()
	if len(urls) == 0 {
		// curl --version, --help, or URLs in the caller's own -K config:
		// nothing for sesame to do, and nothing handed over.
		return runCurlChild(app, curlRun{curl: curlPath, argv: a.Argv()})
	}
	c, err := app.Config()
	if err != nil {
		return err
	}
	relative := false
	for _, u := range urls {
		if isAPIPath(u) {
			relative = true
		}
	}
	matches := func(p *config.Profile) bool {
		base, err := app.Service().BaseURL(p)
		if err != nil {
			return false
		}
		for _, u := range urls {
			if !isAPIPath(u) && origin.Same(u, base) {
				return true
			}
		}
		return false
	}
	if err := ambiguousURL(app, c, matches); err != nil {
		return err
	}
	p, err := c.Resolve(app.Profile, matches)
	if err != nil {
		if relative {
			return err
		}
		fmt.Fprintf(app.IO.ErrOut, "sesame: no profile for this request (%v); running curl without credentials\n", firstLine(err.Error()))
		return runCurlChild(app, curlRun{curl: curlPath, argv: a.Argv()})
	}
	base, err := app.Service().BaseURL(p)
	if err != nil {
		return err
	}
	if a.CACert != "" && app.Service().CAFile() == "" {
		app.CAFile = a.CACert // the vendor's TLS is sesame's to check
	}
	var log *os.File
	if app.Debug || app.Getenv("SESAME_DEBUG") == "1" {
		log = os.Stderr
	}
	// The session is read while curl starts (curl's own start-up is most
	// of a run); if there is none, curl is stopped and sesame's error wins.
	lp, err := app.listenProxy(p, authproxy.Options{Errors: app.IO.ErrOut, Log: writerOrNil(log), PathToken: true}, "127.0.0.1:0", "")
	if err != nil {
		return err
	}
	defer lp.Close()
	onProxy := map[int]string{} // URL number → its URL on the proxy
	for i, u := range urls {
		switch {
		case isAPIPath(u):
			abs, err := resolveAgainst(base, u)
			if err != nil {
				return err
			}
			onProxy[i] = proxyURL(lp, abs)
		case origin.Same(u, base):
			onProxy[i] = proxyURL(lp, u)
		default:
			fmt.Fprintf(app.IO.ErrOut, "sesame: %s is not the origin of profile %s (%s): curl sends it nothing of sesame's\n", showOrigin(u), p.Name, showOrigin(base))
		}
	}
	if len(onProxy) == 0 {
		lp.Close()
		return runCurlChild(app, curlRun{curl: curlPath, argv: a.Argv()})
	}
	// The proxy's URLs carry its capability: each goes to curl in a -K
	// config at its own place on the line, never in argv, and curl sends
	// it to the proxy alone (no header of sesame's that another URL, a
	// user's url = line or a redirect could receive).
	argv2, carries := a.HandOver(func(n int) bool { _, ok := onProxy[n]; return ok }, ChildFile)
	cfgs := make([]string, len(carries))
	for k, n := range carries {
		u, ok := onProxy[n]
		if !ok {
			u = urls[n] // a URL after "--" moved with its neighbours
		}
		cfgs[k] = curlURLConfig(u, app.Getenv)
	}
	err = runCurlChild(app, curlRun{curl: curlPath, argv: argv2, files: cfgs, started: func() error { return lp.Proxy.Prime(ctx) }})
	if err == nil && lp.Proxy.NotReplayed() > 0 {
		// curl exits 0 on any HTTP status: an upload that never reached
		// the vendor must not look like success.
		return notSentErr()
	}
	return err
}

// isAPIPath tells a path of the profile's API from a URL: "/x", and a
// word whose first segment cannot be a host ("api/auth/getuser",
// "People"), as `sesame api` reads them. "example.com/x", "localhost:8080"
// and anything with a scheme are URLs for curl.
func isAPIPath(u string) bool {
	if strings.HasPrefix(u, "/") {
		return true
	}
	if strings.Contains(u, "://") || u == "" {
		return false
	}
	first := u
	if i := strings.IndexAny(first, "/?#"); i >= 0 {
		first = first[:i]
	}
	if first == "" || strings.ContainsAny(first, ".:[]@") || strings.EqualFold(first, "localhost") {
		return false
	}
	// curl's URL globbing ({a,b}, [1-3]) is the user's to keep.
	return !strings.ContainsAny(u, "{}")
}

// ambiguousURL refuses an absolute URL that is the origin of several
// profiles when nothing says which one to use: exit 2, as for a relative
// path, rather than a run without credentials.
func ambiguousURL(app *App, c *config.Config, matches func(*config.Profile) bool) error {
	if app.Profile != "" || app.Getenv("SESAME_PROFILE") != "" {
		return nil
	}
	var names []string
	for _, n := range c.Names() {
		if matches(c.Profiles[n]) {
			names = append(names, n)
		}
	}
	if len(names) < 2 || slices.Contains(names, c.Default) {
		return nil
	}
	return usageErr("this URL is the origin of profiles %s: choose one with -p PROFILE (sesame -p %s curl …), or make one the default: sesame profile use PROFILE", strings.Join(names, ", "), names[0])
}

// proxyURL moves an absolute URL of the vendor's origin onto the run's
// proxy, behind its capability.
func proxyURL(lp *liveProxy, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	rest := (&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery, Fragment: u.Fragment}).String()
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return lp.Proxy.URL(lp.URL, rest)
}

// curlURLConfig is a config curl reads at a URL's place: the URL on the
// proxy (with its capability), and the proxy's address kept from any HTTP
// proxy curl would use.
func curlURLConfig(u string, getenv func(string) string) string {
	noProxy := []string{"127.0.0.1", "localhost"}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			noProxy = append(noProxy, v)
		}
	}
	return fmt.Sprintf("noproxy = \"%s\"\nurl = \"%s\"\n", curlEscape(strings.Join(noProxy, ",")), curlEscape(u))
}

// curlRun is one run of curl.
type curlRun struct {
	curl    string
	argv    []string
	files   []string     // configs named by ChildFile(k) in argv
	started func() error // once curl runs: the session check
}

// runCurlChild runs curl through the app's Runner with -q first (no
// ~/.curlrc), the configs as files it reads once, and nothing of sesame's
// in its environment. Ctrl-C reaches curl from the terminal; its exit
// code comes back.
func runCurlChild(app *App, r curlRun) error {
	err := app.runner().Run(&Child{
		Argv:              append([]string{r.curl, "-q"}, r.argv...),
		Env:               childEnv(os.Environ()),
		Stdin:             app.IO.In,
		Stdout:            app.IO.Out,
		Stderr:            app.IO.ErrOut,
		Files:             r.files,
		Started:           r.started,
		TerminalInterrupt: true,
	})
	var ce *clierr.Error
	if errors.As(err, &ce) && (ce.Code == 126 || ce.Code == 127) {
		return clierr.New(clierr.Unexpected, "%v", ce.Err)
	}
	return err
}

// exitOf turns a child's exit into a passThrough of its code.
func exitOf(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if code < 0 {
			code = 128 + signalNumber(ee)
		}
		return &passThrough{code: code}
	}
	return err
}
