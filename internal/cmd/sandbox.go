package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/session"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

func newSandboxCmd(app *App) *cobra.Command {
	var listen, limit string
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve fake AMS, YM and TDX servers on loopback to try sesame",
		Long: `Serve local fake Teamworks AMS, YourMembership and TeamDynamix servers (the
same ones sesame's tests use, speaking the vendors' documented wire formats)
and print their URLs, test credentials and ready-to-paste login lines. Stop
it with Ctrl-C.

  sesame sandbox exec -- CMD   runs CMD against fresh fakes with a throw-away
                               config and store, sesame on its PATH
  sesame sandbox demo          logs in, prints the token and makes an
                               authenticated request, step by step

The TeamDynamix fake limits each data method to --rate-limit calls per
window (default 60/1m, as TeamDynamix often does; 0 for none), with the
X-RateLimit-* headers on every answer and 429 past the limit, so that
sesame's pacing can be seen at work (sesame status lists the budgets).`,
		Example: `  sesame sandbox --listen 127.0.0.1:8700
  sesame sandbox exec -- sh -c 'sesame login tdx --url "$SANDBOX_TDX_URL" --username alice --password-stdin <<<wonderland-42 && sesame token show'
  sesame sandbox demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := sandboxRateLimit(limit)
			if err != nil {
				return err
			}
			served, stop, err := sandbox.Serve(listen, o)
			if err != nil {
				return usageErr("%v", err)
			}
			defer stop()
			printSandbox(app.IO.Out, served)
			fmt.Fprintln(app.IO.ErrOut, "serving; press Ctrl-C to stop")
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address of the first fake (loopback only); the others take the next ports")
	cmd.Flags().StringVar(&limit, "rate-limit", "60/1m", "TeamDynamix fake: data calls allowed per method and window, N/DURATION (0: no limit)")
	cmd.AddCommand(newSandboxExecCmd(app), newSandboxDemoCmd(app))
	return cmd
}

func printSandbox(w io.Writer, served []sandbox.Served) {
	for _, s := range served {
		fmt.Fprintf(w, "%s  %s\n", strings.ToUpper(s.Vendor.Name()), s.URL)
		for _, a := range s.Vendor.Accounts() {
			note := a.Note
			if a.Refusing && !strings.HasPrefix(note, "refused") {
				note = "refused: " + note
			}
			fmt.Fprintf(w, "  # %s\n  printf '%%s' %s | %s\n", note, shellQuote(a.Secret), loginLine(s.Vendor.Name(), a, s.URL))
		}
		fmt.Fprintln(w)
	}
}

// loginLine is the command that logs in with a sandbox account: the
// provider's Info.AccountFlags say which flags its modes take. The
// sandbox serves the shipped providers, so it asks the default registry.
func loginLine(vendor string, a sandbox.Account, url string) string {
	flags := []string{"--username", a.User, "--password-stdin"}
	if f := session.AccountFlags(vendor, a.Mode, a.User); f != nil {
		flags = f
	}
	quoted := make([]string, len(flags))
	for i, f := range flags {
		quoted[i] = f
		if f == a.User {
			quoted[i] = shellQuote(f)
		}
	}
	line := strings.Join(quoted, " ")
	if a.Extra != "" {
		line = a.Extra + " " + line
	}
	return fmt.Sprintf("sesame login %s --url %s %s", vendor, url, line)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@/:+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sandboxWorld starts the fakes and a throw-away home for sesame: config,
// file store and a PATH on which `sesame` is this very binary.
type sandboxWorld struct {
	served []sandbox.Served
	dir    string
	env    []string
	// stop stops the fakes and removes dir, saying when that failed.
	stop func() error
}

func startSandboxWorld() (*sandboxWorld, error) {
	served, stop, err := sandbox.Serve("127.0.0.1:0", sandbox.Options{})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sesame-sandbox-")
	if err != nil {
		stop()
		return nil, err
	}
	w := &sandboxWorld{served: served, dir: dir}
	w.stop = func() error {
		stop()
		if err := removeTree(dir); err != nil {
			return fmt.Errorf("the sandbox's throw-away config and store in %s could not be removed (%v); remove that folder yourself", dir, err)
		}
		return nil
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		w.stop()
		return nil, err
	}
	self, err := selfPath()
	if err != nil {
		w.stop()
		return nil, err
	}
	exe := "sesame"
	if filepath.Ext(self) == ".exe" {
		exe += ".exe"
	}
	if err := linkOrCopy(self, filepath.Join(bin, exe)); err != nil {
		w.stop()
		return nil, fmt.Errorf("putting sesame on the sandbox PATH: %w", err)
	}
	home := filepath.Join(dir, "home")
	env := []string{
		"SESAME_CONFIG=" + filepath.Join(home, "sesame", "config.yaml"),
		"SESAME_STORE=file",
		"XDG_CONFIG_HOME=" + home,
		"HOME=" + home,
		"APPDATA=" + home,
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	for _, s := range served {
		env = append(env, "SANDBOX_"+strings.ToUpper(s.Vendor.Name())+"_URL="+s.URL)
	}
	// What `sesame sandbox` would print (URLs, test accounts, login lines),
	// for CMD to read.
	var info strings.Builder
	printSandbox(&info, served)
	infoPath := filepath.Join(dir, "sandbox.txt")
	if err := os.WriteFile(infoPath, []byte(info.String()), 0o600); err != nil {
		w.stop()
		return nil, err
	}
	env = append(env, "SANDBOX_INFO="+infoPath)
	w.env = childEnv(os.Environ(), env...)
	return w, nil
}

func newSandboxExecCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:         "exec -- CMD [ARGS…]",
		Annotations: map[string]string{argsAnnotation: "name the command to run, after --: sesame sandbox exec -- sesame status"},
		Short:       "Run CMD against fresh fakes with a throw-away config and store",
		Long: `Start the fakes, then run CMD with SANDBOX_TDX_URL, SANDBOX_AMS_URL and
SANDBOX_YM_URL set, SANDBOX_INFO naming a file with the test accounts and
login lines, SESAME_CONFIG and the file store in a temporary folder, and
sesame on PATH. Everything is removed when CMD ends; its exit code is
sesame's.`,
		Example: `  sesame sandbox exec -- sh -c 'echo wonderland-42 | sesame login tdx --url "$SANDBOX_TDX_URL" --username alice --password-stdin && sesame status'`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := startSandboxWorld()
			if err != nil {
				return err
			}
			err = runChild(app, args, w.env, nil)
			if serr := w.stop(); serr != nil {
				// CMD's exit code stays sesame's; the leftover is said.
				fmt.Fprintf(app.IO.ErrOut, "sesame: warning: %v\n", serr)
			}
			return err
		},
	}
}

// selfPath is the sesame binary to run again: the argv[0] that started us
// when it resolves (so a sesame reached through a link keeps its name),
// else the executable itself.
func selfPath() (string, error) {
	if p, err := exec.LookPath(os.Args[0]); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, nil
		}
	}
	return os.Executable()
}

// linkOrCopy puts src at dst: a symlink where the OS allows one (Windows
// needs a privilege for it), else a copy. A nil error from os.Symlink is
// not trusted on its own (Wine's CreateSymbolicLink says yes and creates
// nothing): the link must lead to src.
func linkOrCopy(src, dst string) error {
	return linkOrCopyWith(os.Symlink, src, dst)
}

func linkOrCopyWith(symlink func(src, dst string) error, src, dst string) error {
	if err := symlink(src, dst); err == nil {
		if linked(src, dst) {
			return nil
		}
		os.Remove(dst) // whatever was made is not a link to src
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o700)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// linked reports whether dst now leads to src.
func linked(src, dst string) bool {
	a, err := os.Stat(src)
	if err != nil {
		return false
	}
	b, err := os.Stat(dst)
	return err == nil && os.SameFile(a, b)
}

// removeTree is os.RemoveAll, and when that fails a second way: removing
// each file, then each folder, deepest first, one os.Remove at a time.
// (Under Wine 8, os.RemoveAll's NT delete call is not implemented while
// os.Remove works.) The first error is the one reported.
func removeTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	var paths []string
	_ = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, werr error) error {
		if werr == nil {
			paths = append(paths, p)
		}
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		_ = os.Remove(paths[i])
	}
	if _, serr := os.Lstat(dir); errors.Is(serr, fs.ErrNotExist) {
		return nil
	}
	return err
}

// sandboxRateLimit reads --rate-limit N/DURATION into the fakes' options.
func sandboxRateLimit(v string) (sandbox.Options, error) {
	o := sandbox.Options{}
	if v == "0" || v == "" {
		return o, nil
	}
	n, d, ok := strings.Cut(v, "/")
	limit, err := strconv.Atoi(n)
	window, derr := time.ParseDuration(d)
	if !ok || err != nil || derr != nil || limit < 0 || window <= 0 {
		return o, usageErr("--rate-limit %q: want N/DURATION, e.g. 60/1m or 3/3s (0: no limit)", v)
	}
	o.DataLimit, o.DataWindow = limit, window
	return o, nil
}
