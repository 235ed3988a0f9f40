package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

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

  - A URL that starts with / is relative to the profile's API base:
    {url}/TDWebApi for TDX, the app URL for AMS, {url}/Ams/{ClientID} for YM.
    URLs on the profile's own origin go through the proxy too.
  - Any other URL is left as it is and gets nothing from sesame.
  - curl runs with -q (no ~/.curlrc) and gets only a token for the proxy,
    valid for this run, in a config it reads from a pipe (-K).
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
	curlPath, err := exec.LookPath("curl")
	if err != nil {
		return errNoCurl
	}
	a := curlargs.Parse(argv)
	urls := a.URLs()
	if len(urls) == 0 {
		// curl --version, --help, or URLs in the caller's own -K config:
		// nothing for sesame to do, and nothing handed over.
		return app.runCurlChild(ctx, curlPath, a.Argv(), "")
	}
	c, err := app.Config()
	if err != nil {
		return err
	}
	relative := false
	for _, u := range urls {
		if strings.HasPrefix(u, "/") {
			relative = true
		}
	}
	p, err := c.Resolve(app.Profile, func(p *config.Profile) bool {
		base, err := app.baseOf(p)
		if err != nil {
			return false
		}
		for _, u := range urls {
			if !strings.HasPrefix(u, "/") && origin.Same(u, base) {
				return true
			}
		}
		return false
	})
	if err != nil {
		if relative {
			return err
		}
		fmt.Fprintf(app.IO.ErrOut, "sesame: no profile for this request (%v); running curl without credentials\n", firstLine(err.Error()))
		return app.runCurlChild(ctx, curlPath, a.Argv(), "")
	}
	base, err := app.baseOf(p)
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
	lp, err := app.listenProxy(p, authproxy.Options{Errors: app.IO.ErrOut, Log: writerOrNil(log)}, "127.0.0.1:0", "")
	if err != nil {
		return err
	}
	defer lp.Close()
	proxied := 0
	for i, u := range urls {
		switch {
		case strings.HasPrefix(u, "/"):
			a.SetURL(i, lp.URL+lp.Proxy.BasePath()+u)
			proxied++
		case origin.Same(u, base):
			a.SetURL(i, onProxy(u, lp.URL))
			proxied++
		default:
			fmt.Fprintf(app.IO.ErrOut, "sesame: %s is not the origin of profile %s (%s): curl sends it no credentials\n", showOrigin(u), p.Name, showOrigin(base))
		}
	}
	if proxied == 0 {
		lp.Close()
		return app.runCurlChild(ctx, curlPath, a.Argv(), "")
	}
	app.curlPrime = func() error { return lp.Proxy.Prime(ctx) }
	err = app.runCurlChild(ctx, curlPath, withConfigs(a), curlProxyConfig(lp.Proxy.Token(), app.Getenv))
	if err == nil && lp.Proxy.NotReplayed() > 0 {
		// curl exits 0 on any HTTP status: an upload that never reached
		// the vendor must not look like success.
		return notSentErr()
	}
	return err
}

// onProxy moves a URL of the vendor's origin onto the proxy.
func onProxy(raw, proxyURL string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	pu, _ := url.Parse(proxyURL)
	u.Scheme, u.Host, u.User = pu.Scheme, pu.Host, nil
	return u.String()
}

// withConfigs puts sesame's -K config after each --next too: options after
// --next start afresh, and each request to the proxy needs the token. The
// configs are fds 3, 4, … (curlConfigPath).
func withConfigs(a *curlargs.Args) []string {
	argv := a.Argv()
	nexts := a.Nexts()
	out := make([]string, 0, len(argv)+2*len(nexts))
	k := 1
	for i, arg := range argv {
		out = append(out, arg)
		if len(nexts) > 0 && nexts[0] == i {
			nexts = nexts[1:]
			out = append(out, "-K", curlConfigPath(k))
			k++
		}
	}
	return out
}

// curlConfigPath is where curl reads sesame's n-th config: an inherited
// pipe on Unix (fd 3+n); on Windows, a temp file (see runCurlChild).
func curlConfigPath(n int) string { return fmt.Sprintf("/dev/fd/%d", 3+n) }

// curlProxyConfig is all curl gets from sesame: the per-run proxy token,
// and the proxy's address excluded from any HTTP proxy curl would use.
func curlProxyConfig(token string, getenv func(string) string) string {
	noProxy := []string{"127.0.0.1", "localhost"}
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			noProxy = append(noProxy, v)
		}
	}
	return fmt.Sprintf("header = \"Authorization: Bearer %s\"\nnoproxy = \"%s\"\n", token, curlEscape(strings.Join(noProxy, ",")))
}

// runCurlChild runs curl with -q first (no ~/.curlrc) and, when cfg is set,
// hands cfg over on pipes (fds 3, 4, … one per -K sesame placed) — or, on
// Windows, in a 0600 temp file removed as soon as curl exits (its token is
// worthless once this run's proxy stops). Signals reach curl; its exit code
// comes back.
func (a *App) runCurlChild(ctx context.Context, curlPath string, argv []string, cfg string) error {
	args := []string{"-q"}
	var extra []*os.File
	var cleanup []func()
	defer func() {
		for _, f := range cleanup {
			f()
		}
	}()
	if cfg != "" {
		n := 1
		for _, s := range argv {
			if s == curlConfigPath(n) {
				n++
			}
		}
		args = append(args, "-K", curlConfigPath(0))
		for i := 0; i < n; i++ {
			if runtime.GOOS == "windows" {
				f, err := os.CreateTemp("", "sesame-curl-*")
				if err != nil {
					return err
				}
				_, werr := f.WriteString(cfg)
				f.Close()
				cleanup = append(cleanup, func() { os.Remove(f.Name()) })
				if werr != nil {
					return werr
				}
				if i == 0 {
					args[len(args)-1] = f.Name()
				} else {
					for j, s := range argv {
						if s == curlConfigPath(i) {
							argv[j] = f.Name()
						}
					}
				}
				continue
			}
			r, w, err := os.Pipe()
			if err != nil {
				return err
			}
			go func() {
				_, _ = w.WriteString(cfg)
				w.Close()
			}()
			extra = append(extra, r)
			cleanup = append(cleanup, func() { r.Close() })
		}
	}
	cmd := exec.Command(curlPath, append(args, argv...)...)
	cmd.Env = childEnv(os.Environ())
	cmd.ExtraFiles = extra
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.IO.In, a.IO.Out, a.IO.ErrOut
	if err := cmd.Start(); err != nil {
		return clierr.New(clierr.Unexpected, "cannot run curl: %v", err)
	}
	for _, f := range extra {
		f.Close() // curl has its copies
	}
	if prime := a.curlPrime; prime != nil {
		a.curlPrime = nil
		if err := prime(); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return err
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-ctx.Done():
				// Ctrl-C reached curl from the terminal as well; wait for it.
				ctx = context.Background()
			case <-done:
				return
			}
		}
	}()
	return exitOf(cmd.Wait())
}

func (a *App) baseOf(p *config.Profile) (string, error) {
	prov, err := a.providers().Get(p.Provider)
	if err != nil {
		return "", err
	}
	return prov.BaseURL(p)
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
