package cmd

import (
	"os"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/envvars"
)

// The help topics are the tables the code reads: every variable of
// envvars.All with its words and default, every exit code of
// clierr.Meanings, every key of config.Keys.
func TestHelpTopicsFollowTheTables(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	env := flat(w.ok("", "help", "environment").out)
	for _, v := range envvars.All {
		if !strings.Contains(env, v.Name) || !strings.Contains(env, flat(v.Doc)) {
			t.Errorf("help environment lacks %s: %s", v.Name, v.Doc)
		}
		if v.Default != "" && !strings.Contains(env, v.Name+" "+flat(v.Doc)+" default: "+v.Default) {
			t.Errorf("help environment lacks %s's default %q", v.Name, v.Default)
		}
		if v.Secret != strings.Contains(env, v.Name+" (secret") {
			t.Errorf("help environment: %s secret=%v not said", v.Name, v.Secret)
		}
	}
	codes := flat(w.ok("", "help", "exit-codes").out)
	for _, m := range clierr.Meanings() {
		if !strings.Contains(codes, m.Code+" "+flat(m.Text)) {
			t.Errorf("help exit-codes lacks %s: %s", m.Code, m.Text)
		}
	}
	cfg := flat(w.ok("", "help", "config").out)
	for _, k := range config.Keys() {
		if !strings.Contains(cfg, " "+k.Path+" "+flat(k.Doc)) {
			t.Errorf("help config lacks %s: %s", k.Path, k.Doc)
		}
	}
}

// The README's exit-code table is clierr.Meanings, row for row.
func TestReadmeExitCodesAreTheTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, m := range clierr.Meanings() {
		row := "| " + m.Code + " | " + m.Text + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks the exit-code row\n%s", row)
		}
	}
}
