package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/curlargs"
	"github.com/sesame-cli/sesame/internal/providers"
	"github.com/sesame-cli/sesame/internal/providers/registry"
	"github.com/sesame-cli/sesame/internal/session"
)

func newCurlCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "curl [CURL ARGS…]",
		Short: "Run curl with the profile's auth headers added",
		Long: `Run the system curl with every argument passed through untouched and the
profile's auth headers added. sesame's own flags go before 'curl'.

  - A URL that starts with / is relative to the profile's API base:
    {url}/TDWebApi for TDX, the app URL for AMS, {url}/Ams/{ClientID} for YM.
  - The headers reach curl through a config it reads from a pipe (-K), never
    through its argv or environment.
  - Only URLs on the profile's own origin (scheme, host, port) get them; any
    other URL runs without credentials, and sesame says so.
  - With -L, sesame follows redirects itself: a hop to another origin gets no
    credentials, and a redirect from https to http is refused.
  - When the server says the session expired, sesame logs in again and repeats
    the request once (not when its body came from stdin); you see only the
    final response.
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

// curlResult is one run of curl, its output held back until sesame knows it
// is the final response.
type curlResult struct {
	code     int
	stdout   []byte
	headers  []byte // the -D dump of this run
	status   int
	location string
}

func runCurl(ctx context.Context, app *App, argv []string) error {
	curlPath, err := exec.LookPath("curl")
	if err != nil {
		return clierr.New(clierr.Unexpected, "curl is not on PATH; install it, or give the headers to another client: sesame token show --format header (or --format curl for a curl config)")
	}
	a := curlargs.Parse(argv)
	c, err := app.Config()
	if err != nil {
		return err
	}
	urls := a.URLs()
	if len(urls) == 0 {
		// curl --version, --help, or URLs hidden in the caller's own -K
		// config: nothing for sesame to authenticate.
		return app.curlPlain(curlPath, a.Argv())
	}
	relative := false
	for _, u := range urls {
		if strings.HasPrefix(u, "/") {
			relative = true
		}
	}
	p, err := c.Resolve(app.Profile, func(p *config.Profile) bool {
		base, err := baseOf(p)
		if err != nil {
			return false
		}
		for _, u := range urls {
			if !strings.HasPrefix(u, "/") && sameOrigin(u, base) {
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
		return app.curlPlain(curlPath, a.Argv())
	}
	base, err := baseOf(p)
	if err != nil {
		return err
	}
	for i, u := range urls {
		if strings.HasPrefix(u, "/") {
			a.SetURL(i, strings.TrimRight(base, "/")+u)
		}
	}
	urls = a.URLs()
	for _, u := range urls {
		if !sameOrigin(u, base) {
			fmt.Fprintf(app.IO.ErrOut, "sesame: %s is not the origin of profile %s (%s): running curl without credentials\n", originOf(u), p.Name, originOf(base))
			return app.curlPlain(curlPath, a.Argv())
		}
	}
	switch {
	case a.Next || (a.Location && len(urls) > 1):
		fmt.Fprintln(app.IO.ErrOut, "sesame: --next, or -L with several URLs, is not supported with credentials: running curl without them")
		return app.curlPlain(curlPath, a.Argv())
	}

	l, err := app.sessionFor(ctx, p, session.GetOptions{})
	if err != nil {
		return err
	}
	argvRun := a.Argv()
	if a.Location {
		argvRun = a.WithoutLocation()
	}
	maxHops := 50 // curl's default --max-redirs
	if a.MaxRedirs >= 0 {
		maxHops = a.MaxRedirs
	}
	cur := urls[0]
	renewed := false
	for hop := 0; ; {
		creds := sameOrigin(cur, base)
		if hop > 0 {
			argvRun[a.URLIndex(0)] = cur
		}
		var cfg string
		if creds {
			cfg = curlConfig(l.Headers())
		}
		res, err := app.curlOnce(curlPath, argvRun, cfg)
		if err != nil {
			return err
		}
		if creds && !renewed && l.Provider.IsAuthError(res.status, nil, res.stdout) {
			renewed = true
			if a.StdinBody {
				app.flushCurl(a, res)
				if _, err := app.renewAfterReject(ctx, l); err != nil {
					return err
				}
				fmt.Fprintln(app.IO.ErrOut, "sesame: the session had expired and is renewed now, but this request read its body from stdin and cannot be sent again: run it again")
				return &passThrough{code: res.code}
			}
			s, err := app.renewAfterReject(ctx, l)
			if err != nil {
				return err
			}
			l.Session = s
			continue
		}
		if a.Location && res.status >= 300 && res.status < 400 && res.location != "" {
			next, err := url.Parse(cur)
			if err == nil {
				next, err = next.Parse(res.location)
			}
			switch {
			case err != nil:
				app.flushCurl(a, res)
				return clierr.New(clierr.Unexpected, "unreadable redirect location from %s", originOf(cur))
			case hop >= maxHops:
				app.flushCurl(a, res)
				fmt.Fprintf(app.IO.ErrOut, "sesame: maximum (%d) redirects followed\n", maxHops)
				return &passThrough{code: 47} // curl's CURLE_TOO_MANY_REDIRECTS
			case strings.EqualFold(mustParse(cur).Scheme, "https") && strings.EqualFold(next.Scheme, "http"):
				app.flushCurl(a, res)
				return clierr.New(clierr.Unexpected, "refusing a redirect from https to http (%s): it would send the request in the clear", originOf(next.String()))
			case a.Body && res.status != http.StatusSeeOther:
				app.flushCurl(a, res)
				fmt.Fprintf(app.IO.ErrOut, "sesame: not following a redirect of a request with a body (HTTP %d to %s)\n", res.status, originOf(next.String()))
				return &passThrough{code: res.code}
			}
			if !sameOrigin(next.String(), base) {
				fmt.Fprintf(app.IO.ErrOut, "sesame: redirect to %s, another origin: following it without credentials\n", originOf(next.String()))
			}
			cur = next.String()
			hop++
			continue
		}
		app.flushCurl(a, res)
		if res.code != 0 {
			return &passThrough{code: res.code}
		}
		return nil
	}
}

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}

func baseOf(p *config.Profile) (string, error) {
	prov, err := registry.Get(p.Provider)
	if err != nil {
		return "", err
	}
	return prov.BaseURL(p)
}

func (a *App) renewAfterReject(ctx context.Context, l *liveSession) (*providers.Session, error) {
	mgr, err := a.Sessions()
	if err != nil {
		return nil, err
	}
	return mgr.Renew(ctx, l.Profile, l.Session.Token)
}

// curlPlain runs curl as it is, streaming, with no credentials.
func (a *App) curlPlain(curlPath string, argv []string) error {
	cmd := exec.Command(curlPath, argv...)
	cmd.Env = childEnv(os.Environ())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.IO.In, a.IO.Out, a.IO.ErrOut
	return exitOf(cmd.Run())
}

// curlOnce runs curl once with cfg (a curl config holding the headers, or
// "") handed over through a pipe on fd 3, or a 0600 temp file where there
// are no /dev/fd paths, and the response headers dumped to a 0600 temp file
// so sesame can see the status.
func (a *App) curlOnce(curlPath string, argv []string, cfg string) (*curlResult, error) {
	hdr, err := os.CreateTemp("", "sesame-curl-headers-*")
	if err != nil {
		return nil, err
	}
	hdrPath := hdr.Name()
	hdr.Close()
	defer os.Remove(hdrPath)

	args := append([]string(nil), argv...)
	cmd := exec.Command(curlPath)
	var cleanup func()
	if cfg != "" {
		if runtime.GOOS == "windows" {
			f, err := os.CreateTemp("", "sesame-curl-config-*")
			if err != nil {
				return nil, err
			}
			_, werr := f.WriteString(cfg)
			f.Close()
			cleanup = func() { os.Remove(f.Name()) }
			if werr != nil {
				cleanup()
				return nil, werr
			}
			args = append(args, "-K", f.Name())
		} else {
			r, w, err := os.Pipe()
			if err != nil {
				return nil, err
			}
			go func() {
				_, _ = w.WriteString(cfg)
				w.Close()
			}()
			cmd.ExtraFiles = []*os.File{r}
			cleanup = func() { r.Close() }
			args = append(args, "-K", "/dev/fd/3")
		}
	}
	args = append(args, "-D", hdrPath)
	cmd.Args = append([]string{curlPath}, args...)
	cmd.Env = childEnv(os.Environ())
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.IO.In, &out, a.IO.ErrOut
	runErr := cmd.Run()
	if cleanup != nil {
		cleanup()
	}
	res := &curlResult{stdout: out.Bytes()}
	var pt *passThrough
	if err := exitOf(runErr); errors.As(err, &pt) {
		res.code = pt.code
	} else if err != nil {
		return nil, err
	}
	res.headers, _ = os.ReadFile(hdrPath)
	res.status, res.location = lastStatus(res.headers)
	return res, nil
}

// lastStatus reads the final response's status and Location from a -D dump.
func lastStatus(dump []byte) (int, string) {
	status, loc := 0, ""
	sc := bufio.NewScanner(bytes.NewReader(dump))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "HTTP/") {
			f := strings.Fields(line)
			status, loc = 0, ""
			if len(f) >= 2 {
				fmt.Sscanf(f[1], "%d", &status)
			}
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "location") {
			loc = strings.TrimSpace(v)
		}
	}
	return status, loc
}

// flushCurl hands the final response to the caller: stdout, and the
// caller's own -D target.
func (a *App) flushCurl(args *curlargs.Args, res *curlResult) {
	switch d := args.DumpHeader; d {
	case "":
	case "-":
		_, _ = a.IO.Out.Write(res.headers)
	case "%":
		_, _ = a.IO.ErrOut.Write(res.headers)
	default:
		_ = os.WriteFile(d, res.headers, 0o600)
	}
	_, _ = a.IO.Out.Write(res.stdout)
}

// childEnv is the environment for curl and exec children: sesame's own
// secret inputs never pass on.
func childEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "SESAME_PASSWORD=") || strings.HasPrefix(kv, "SESAME_SECRET=") {
			continue
		}
		out = append(out, kv)
	}
	return out
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
