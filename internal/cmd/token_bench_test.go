package cmd

import (
	"context"
	"io"
	"testing"

	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/internal/session"
)

// BenchmarkWriteToken is the output end of `token show`: a session handed
// out by the door (Service.Live), logged in to each fake vendor, rendered
// in each --format. `go run ./bench` runs it; plain `go test` does not.
func BenchmarkWriteToken(b *testing.B) {
	w := newWorld(b)
	w.env["SESAME_PASSWORD"] = sandbox.AMSPassword
	w.ok("", "-p", "ams", "login", "ams", "--url", w.sandbox("ams", sandbox.Options{}), "--username", sandbox.AMSUser, "--api", "v2", "--app-id", "club.sync")
	delete(w.env, "SESAME_PASSWORD")
	w.ok(sandbox.TDXPassword, "-p", "tdx", "login", "tdx", "--url", w.sandbox("tdx", sandbox.Options{}), "--username", sandbox.TDXUser, "--password-stdin")
	w.ok(sandbox.YMPassword, "-p", "ym", "login", "ym", "--url", w.sandbox("ym", sandbox.Options{}), "--client-id", "31337", "--email", sandbox.YMEmail, "--password-stdin")
	app, _, _, _ := w.app()
	for _, name := range []string{"tdx", "ams", "ym"} {
		l, err := app.session(context.Background(), name, session.GetOptions{NoRenew: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, format := range []string{"raw", "header", "curl", "json"} {
			b.Run(name+"/"+format, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := writeToken(io.Discard, l, format); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
