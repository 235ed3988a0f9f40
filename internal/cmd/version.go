package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Stamped by the release build: -ldflags "-X github.com/sesame-cli/sesame/internal/cmd.version=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if b.Version == "" {
		b.Version = "dev"
		// `go install …@vX` records the module version.
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
	}
	// A source build (`go build`, `go install .` in a clone) carries the
	// commit and its time from the VCS, as the release build's ldflags do.
	if ok && b.Commit == "" {
		b.Commit, b.Date = vcsStamp(bi.Settings)
	}
	return b
}

// vcsStamp reads the commit (shortened, "-dirty" when the tree had
// uncommitted changes) and commit time that `go build` records.
func vcsStamp(settings []debug.BuildSetting) (commit, date string) {
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit != "" && modified {
		commit += "-dirty"
	}
	return commit, date
}

// versionString is what `sesame version` and `sesame --version` print:
// "sesame version 1.2.3 (commit, date) go1.26.8 linux/amd64", as gh says
// "gh version 2.63.0 (2024-11-27)".
func versionString() string { return "sesame version " + versionDetail() }

// versionDetail is versionString after "sesame version ": the root's
// Version, which cobra's own --version prints after those two words. A
// template would say the same, but cobra runs it with text/template,
// whose method calls by name make the linker keep every exported method
// of every type: go-redis's hundreds of commands doubled the binary and
// added a third of a millisecond to every start (bench/PROFILE.md).
func versionDetail() string {
	b := currentBuild()
	s := b.Version
	if b.Commit != "" {
		s += " (" + b.Commit
		if b.Date != "" {
			s += ", " + b.Date
		}
		s += ")"
	}
	return s + " " + b.GoVersion + " " + b.Platform
}

func newVersionCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print sesame's version",
		Long: `Print sesame's version, the commit and date it was built from (for release
builds), and the Go version and platform. --json gives the same fields for
scripts and bug reports.`,
		Example: "  sesame version\n  sesame version --json\n  sesame --version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if asJSON {
				enc := json.NewEncoder(app.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(currentBuild())
			}
			_, err := fmt.Fprintln(app.IO.Out, versionString())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
