package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/origin"
	"github.com/sesame-cli/sesame/internal/shellenv"
)

type proxyOptions struct {
	Profile      string
	Listen       string
	Socket       string
	AllowMethods []string
	AllowPaths   []string
	AllowOrigins []string
	IdleExit     time.Duration
	EnvFile      string
	Metrics      bool
	Command      []string
}

func newProxyCmd(app *App) *cobra.Command {
	opts := &proxyOptions{}
	cmd := &cobra.Command{
		Use:   "proxy [PROFILE] [flags] [-- CMD [ARGS…]]",
		Short: "Serve the profile's API on loopback for other tools, with no credential in them",
		Long: `Run sesame's authenticating proxy for a profile on this machine, so that R,
Python, PowerShell, Power BI Desktop, Excel, Postman or an agent can call the
vendor's API with no login code and without ever seeing the vendor's secret.

Clients send 'Authorization: Bearer $SESAME_PROXY_TOKEN' to the printed URL;
the proxy replaces it with the session's headers, renews the session when it
expires, and refuses the vendor's login paths, requests from web pages
(an Origin header), a foreign Host, and anything outside --allow-method and
--allow-path.

Without a command it prints P_BASE_URL (TDX_BASE_URL, AMS_BASE_URL, YM_BASE_URL:
the API base on the proxy) and SESAME_PROXY_TOKEN as shell assignments, or
writes them to a 0600 file with --env-file, and serves until Ctrl-C (or
--idle-exit). With -- CMD, CMD runs with both in its environment and sesame
exits with its code.`,
		Example: `  sesame proxy tdx -- python3 report.py
  sesame proxy tdx --allow-method GET --env-file ~/.sesame-tdx.env
  sesame proxy ams --socket /tmp/sesame-ams/proxy.sock --idle-exit 30m`,
		ValidArgsFunction: completeProfiles(app),
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			switch {
			case dash < 0 && len(args) > 1:
				return usageErr("give the command after --: sesame proxy [PROFILE] -- CMD [ARGS…]")
			case dash < 0:
				if len(args) == 1 {
					opts.Profile = args[0]
				}
			case dash > 1:
				return usageErr("proxy takes at most one PROFILE before --")
			default:
				if dash == 1 {
					opts.Profile = args[0]
				}
				opts.Command = args[dash:]
				if len(opts.Command) == 0 {
					return usageErr("give the command after --: sesame proxy [PROFILE] -- CMD [ARGS…]")
				}
			}
			if opts.Socket != "" && cmd.Flags().Changed("listen") {
				return usageErr("--listen and --socket exclude each other")
			}
			return runProxy(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	f.StringVar(&opts.Socket, "socket", "", "listen on a unix socket at PATH instead, in a folder of its own (made 0700; an existing one must be the user's and private already)")
	f.StringArrayVar(&opts.AllowMethods, "allow-method", nil, "forward only this HTTP method (repeatable), e.g. GET for read-only use")
	f.StringArrayVar(&opts.AllowPaths, "allow-path", nil, "forward only paths matching this regular expression (repeatable)")
	f.StringArrayVar(&opts.AllowOrigins, "allow-origin", nil, "accept requests from this web origin (repeatable); others with an Origin header are refused")
	f.DurationVar(&opts.IdleExit, "idle-exit", 0, "stop after this long without a request (0: never)")
	f.StringVar(&opts.EnvFile, "env-file", "", "write P_BASE_URL and SESAME_PROXY_TOKEN to this new 0600 file instead of stdout (never through a link, never over another user's file)")
	f.BoolVar(&opts.Metrics, "metrics", false, "serve Prometheus counters (requests, 429s absorbed, wait seconds, renewals) at /_sesame/metrics, behind the token")
	return cmd
}

// liveProxy is a running authenticating proxy.
type liveProxy struct {
	Proxy *authproxy.Proxy
	URL   string // http://127.0.0.1:PORT, or http://localhost for a socket
	srv   *http.Server
	last  atomic.Int64 // unix nanos of the last request
	done  chan struct{}
}

// Close stops the proxy.
func (l *liveProxy) Close() {
	if l.srv != nil {
		_ = l.srv.Close()
		<-l.done
		l.srv = nil
	}
}

// newAuthProxy builds the proxy of profile p: the session Service fills in
// everything behind the credential (Service.Proxy).
func (a *App) newAuthProxy(p *config.Profile, o authproxy.Options) (*authproxy.Proxy, error) {
	return a.Service().Proxy(p, o)
}

// startProxy checks the session, then serves the proxy on a loopback
// address (or a unix socket) until Close.
func (a *App) startProxy(ctx context.Context, p *config.Profile, o authproxy.Options, listen, socket string) (*liveProxy, error) {
	lp, err := a.listenProxy(p, o, listen, socket)
	if err != nil {
		return nil, err
	}
	if err := lp.Proxy.Prime(ctx); err != nil {
		lp.Close()
		return nil, err
	}
	return lp, nil
}

// listenProxy serves the proxy without checking the session first.
func (a *App) listenProxy(p *config.Profile, o authproxy.Options, listen, socket string) (*liveProxy, error) {
	px, err := a.newAuthProxy(p, o)
	if err != nil {
		return nil, err
	}
	var ln net.Listener
	lp := &liveProxy{Proxy: px, done: make(chan struct{})}
	if socket != "" {
		if err := socketDir(filepath.Dir(socket)); err != nil {
			return nil, err
		}
		if ln, err = net.Listen("unix", socket); err != nil {
			return nil, usageErr("--socket: %v", err)
		}
		px.Bind("")
		lp.URL = "http://localhost"
	} else {
		host, _, err := net.SplitHostPort(listen)
		if err != nil || !origin.IsLoopback(host) || strings.EqualFold(host, "localhost") {
			return nil, usageErr("--listen %s: give a loopback address and port, e.g. 127.0.0.1:0 (the proxy never listens beyond this machine)", listen)
		}
		if ln, err = net.Listen("tcp", listen); err != nil {
			return nil, usageErr("--listen: %v", err)
		}
		px.Bind(ln.Addr().String())
		lp.URL = "http://" + ln.Addr().String()
	}
	lp.last.Store(time.Now().UnixNano())
	lp.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lp.last.Store(time.Now().UnixNano())
			px.ServeHTTP(w, r)
			lp.last.Store(time.Now().UnixNano())
		}),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	go func() {
		defer close(lp.done)
		_ = lp.srv.Serve(ln)
	}()
	return lp, nil
}

func writerOrNil(f *os.File) io.Writer {
	if f == nil {
		return nil
	}
	return f
}

func runProxy(ctx context.Context, app *App, opts *proxyOptions) error {
	p, err := app.resolveProfile(opts.Profile)
	if err != nil {
		return err
	}
	o := authproxy.Options{AllowMethods: opts.AllowMethods, AllowOrigins: opts.AllowOrigins, Errors: app.IO.ErrOut, Metrics: opts.Metrics}
	for _, s := range opts.AllowPaths {
		re, err := regexp.Compile(s)
		if err != nil {
			return usageErr("--allow-path %q: %v", s, err)
		}
		o.AllowPaths = append(o.AllowPaths, re)
	}
	if opts.Command == nil || app.Debug {
		o.Log = app.IO.ErrOut
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	lp, err := app.startProxy(ctx, p, o, opts.Listen, opts.Socket)
	if err != nil {
		return err
	}
	defer lp.Close()
	unregister := app.registerProxy(p, lp, opts.Socket)
	defer unregister()

	prefix := strings.ToUpper(p.Provider) + "_"
	base := lp.URL + lp.Proxy.BasePath()
	// P_PROXY_TOKEN too, so that proxies for several vendors can be nested
	// (sesame proxy tdx -- sesame proxy ams -- CMD).
	vars := []shellenv.Var{
		{Name: prefix + "BASE_URL", Value: base},
		{Name: "SESAME_PROXY_TOKEN", Value: lp.Proxy.Token(), Secret: true},
		{Name: prefix + "PROXY_TOKEN", Value: lp.Proxy.Token(), Secret: true},
	}
	if opts.Socket != "" {
		vars = append(vars, shellenv.Var{Name: "SESAME_PROXY_SOCKET", Value: opts.Socket})
	}
	if opts.Command != nil {
		set := []string{}
		for _, v := range vars {
			set = append(set, v.Name+"="+v.Value)
		}
		return runChild(app, opts.Command, nestEnv(vendorFreeEnv(os.Environ()), set...), nil)
	}
	if opts.EnvFile != "" {
		var b strings.Builder
		for _, v := range vars {
			fmt.Fprintf(&b, "%s=%s\n", v.Name, v.Value)
		}
		if err := writeEnvFile(opts.EnvFile, b.String()); err != nil {
			return err
		}
		defer os.Remove(opts.EnvFile)
		fmt.Fprintf(app.IO.ErrOut, "sesame: proxy for profile %s at %s (variables in %s); Ctrl-C stops it\n", p.Name, base, opts.EnvFile)
	} else {
		for _, v := range vars {
			fmt.Fprintf(app.IO.Out, "%s=%s\n", v.Name, v.Value)
		}
		fmt.Fprintf(app.IO.ErrOut, "sesame: proxy for profile %s at %s; Ctrl-C stops it\n", p.Name, base)
	}
	var idle <-chan time.Time
	if opts.IdleExit > 0 {
		t := time.NewTicker(min(opts.IdleExit/4+time.Millisecond, time.Second))
		defer t.Stop()
		idle = t.C
	}
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(app.IO.ErrOut, "sesame: proxy stopped")
			return nil
		case <-idle:
			if time.Since(time.Unix(0, lp.last.Load())) >= opts.IdleExit {
				fmt.Fprintf(app.IO.ErrOut, "sesame: proxy idle for %s, stopped\n", opts.IdleExit)
				return nil
			}
		}
	}
}

// vendorFreeEnv drops the variables an outer `sesame exec` or `env` would
// have set (TDX_TOKEN, AMS_AUTH_HEADER, …): the child of a proxy gets no
// vendor credential. An outer proxy's P_BASE_URL and P_PROXY_TOKEN stay.
func vendorFreeEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k := envKey(kv, envFold) // upper-cased where names ignore case (Windows)
		vendor := strings.HasPrefix(k, "TDX_") || strings.HasPrefix(k, "AMS_") || strings.HasPrefix(k, "YM_")
		if vendor && !strings.HasSuffix(k, "_BASE_URL") && !strings.HasSuffix(k, "_PROXY_TOKEN") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// socketDir makes the socket's folder, 0700, or accepts an existing one
// only when it is the user's own and private already: sesame never changes
// the mode of a folder it did not make (a shared /tmp would lose its
// sticky 1777), and never listens where others could reach the socket.
func socketDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return usageErr("--socket: %v", err)
	}
	err := os.Mkdir(dir, 0o700)
	if err == nil || !os.IsExist(err) {
		if err != nil {
			return usageErr("--socket: %v", err)
		}
		return nil
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return usageErr("--socket: %v", err)
	}
	if why := notPrivateDir(fi); why != "" {
		return usageErr("--socket: the folder %s %s; give a path in a folder of its own, which sesame makes 0700 (e.g. %s)", dir, why, filepath.Join(dir, "sesame-proxy", "proxy.sock"))
	}
	return nil
}

// writeEnvFile writes the proxy's variables to path, 0600: through a new
// temp file in the same folder (created exclusively) renamed over path, so
// that nothing is ever written through a link planted at path. An existing
// path that is a link, not a regular file, or another user's is refused.
func writeEnvFile(path, data string) error {
	if fi, err := os.Lstat(path); err == nil {
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			return usageErr("--env-file %s is a link: refusing to write through it; remove it or choose another path", path)
		case !fi.Mode().IsRegular():
			return usageErr("--env-file %s exists and is not a regular file", path)
		case !ownedByMe(fi):
			return usageErr("--env-file %s belongs to another user: refusing to replace it", path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".sesame-env-*")
	if err != nil {
		return usageErr("--env-file: %v", err)
	}
	tmp := f.Name()
	_, werr := f.WriteString(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return usageErr("--env-file: %v", werr)
	}
	return nil
}

// proxyEntry is a running proxy as status and doctor show it: never its token.
type proxyEntry struct {
	PID     int    `json:"pid"`
	URL     string `json:"url"`
	Profile string `json:"profile"`
	Socket  string `json:"socket,omitempty"`
	Started string `json:"started"`
}

func (a *App) proxiesDir() (string, error) {
	d, err := a.Service().ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "proxies"), nil
}

// registerProxy leaves a small file naming the running proxy (no token) for
// status and doctor; the returned func removes it.
func (a *App) registerProxy(p *config.Profile, lp *liveProxy, socket string) func() {
	dir, err := a.proxiesDir()
	if err != nil || os.MkdirAll(dir, 0o700) != nil {
		return func() {}
	}
	e := proxyEntry{PID: os.Getpid(), URL: lp.URL + lp.Proxy.BasePath(), Profile: p.Name, Socket: socket, Started: a.Now().UTC().Format(time.RFC3339)}
	b, _ := json.Marshal(e)
	path := filepath.Join(dir, strconv.Itoa(e.PID)+".json")
	if os.WriteFile(path, b, 0o600) != nil {
		return func() {}
	}
	return func() { os.Remove(path) }
}

// runningProxies lists the registered proxies whose process is alive;
// files of dead ones are removed.
func (a *App) runningProxies() []proxyEntry {
	dir, err := a.proxiesDir()
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []proxyEntry
	for _, de := range ents {
		path := filepath.Join(dir, de.Name())
		b, err := os.ReadFile(path)
		var e proxyEntry
		if err != nil || json.Unmarshal(b, &e) != nil {
			continue
		}
		if !processAlive(e.PID) {
			_ = os.Remove(path)
			continue
		}
		out = append(out, e)
	}
	return out
}

// writeProxies prints the running proxies, for status and doctor.
func (a *App) writeProxies(w io.Writer) {
	ps := a.runningProxies()
	if len(ps) == 0 {
		return
	}
	fmt.Fprintln(w, "\nRunning proxies:")
	for _, e := range ps {
		fmt.Fprintf(w, "  %s  %s  (pid %d, since %s)\n", e.Profile, e.URL, e.PID, e.Started)
	}
}
