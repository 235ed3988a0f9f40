package cmd

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
	"github.com/sesame-cli/sesame/internal/session"
	"github.com/sesame-cli/sesame/internal/ui"
)

// parse runs cmd's flag parsing and RunE with args; RunE ends in a runF.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	io, _, out, errOut := ui.Test()
	cmd.SetArgs(args)
	cmd.SetIn(io.In)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func testApp(env map[string]string) *App {
	app := newApp()
	app.IO, _, _, _ = ui.Test()
	app.Getenv = func(k string) string { return env[k] }
	app.ConfigDir = func() (string, error) { return "/nonexistent-sesame-test", nil }
	return app
}

// Flags → options of every provider's login, through Info.Parse.
func TestLoginFlagsToOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		provider string
		args     []string
		env      map[string]string
		want     loginOptions // Provider is filled in
		err      string
	}{
		{"tdx", []string{"--url", "https://x.example", "--username", "alice"}, nil,
			loginOptions{Mode: "user", URL: "https://x.example", Username: "alice"}, ""},
		{"tdx", []string{"--url", "https://x.example", "--admin", "--beid", "df0b5273-d7d4-44a3-9dbb-73a57c2904a9", "--key-stdin"}, nil,
			loginOptions{Mode: "admin", URL: "https://x.example", Username: "df0b5273-d7d4-44a3-9dbb-73a57c2904a9", SecretStdin: true}, ""},
		{"tdx", []string{"--url", "u", "--username", "a", "--sandbox"}, nil,
			loginOptions{Mode: "user", URL: "u", Username: "a", Options: map[string]string{"sandbox": "true"}}, ""},
		{"tdx", []string{"--admin", "--username", "a"}, nil, loginOptions{}, "two ways to log in"},
		{"ams", []string{"--url", "u", "--username", "c"}, nil,
			loginOptions{URL: "u", Username: "c", Options: map[string]string{}}, ""},
		{"ams", []string{"--url", "u", "--username", "c", "--api", "v3", "--app-id", "a.b"}, nil,
			loginOptions{Mode: "v2", URL: "u", Username: "c", Options: map[string]string{"api": "v3", "app_id": "a.b"}}, ""},
		{"ams", []string{"--api", "v1", "--no-save-secret"}, nil,
			loginOptions{Mode: "v1", Options: map[string]string{}, NoSaveSecret: true}, ""},
		{"ym", []string{"--client-id", "31337", "--username", "jdoe"}, nil,
			loginOptions{Mode: "member", URL: "https://ws.yourmembership.com", Username: "jdoe", Options: map[string]string{"client_id": "31337", "login_field": ""}}, ""},
		{"ym", []string{"--email", "j@example.org", "--device", "ios", "--include", "Branding"}, nil,
			loginOptions{Mode: "member", URL: "https://ws.yourmembership.com", Username: "j@example.org", Options: map[string]string{"device": "IOS", "include": "branding", "login_field": "email"}}, ""},
		{"ym", []string{"--user-type", "ADMIN", "--username", "KEY"}, nil,
			loginOptions{Mode: "admin", URL: "https://ws.yourmembership.com", Username: "KEY", Options: map[string]string{"user_type": "", "login_field": ""}}, ""},
		{"ym", []string{"--consumer-key", "ck", "--bearer"}, nil,
			loginOptions{Mode: "consumer", URL: "https://ws.yourmembership.com", Username: "ck", Options: map[string]string{"bearer": "true"}}, ""},
		{"ym", []string{"--token", "--token-stdin", "--url", "http://127.0.0.1:9"}, nil,
			loginOptions{Mode: "token", URL: "http://127.0.0.1:9", SecretStdin: true, Options: map[string]string{}}, ""},
		{"ym", []string{"--consumer-key", "ck"}, map[string]string{"SESAME_ACCESS_TOKEN": "at"},
			loginOptions{Mode: "consumer", URL: "https://ws.yourmembership.com", Username: "ck", Options: map[string]string{}}, ""},
		{"ym", []string{"--username", "a", "--email", "b"}, nil, loginOptions{}, "none of the others can be"},
	} {
		t.Run(tc.provider+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			app := testApp(tc.env)
			lc, err := app.Service().LoginCommand(tc.provider)
			if err != nil {
				t.Fatal(err)
			}
			var got *loginOptions
			err = parse(t, newLoginProviderCmd(app, lc, func(o *loginOptions) error { got = o; return nil }), tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Provider = tc.provider
			if got.Mode != want.Mode || got.URL != want.URL || got.Username != want.Username ||
				got.SecretStdin != want.SecretStdin || got.NoSaveSecret != want.NoSaveSecret ||
				!maps.Equal(got.Options, want.Options) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
			if _, ok := tc.env["SESAME_ACCESS_TOKEN"]; ok {
				if got.JoinSecret == nil {
					t.Fatal("no JoinSecret for an access token")
				}
				if s, err := got.JoinSecret("cs"); err != nil || s != "cs\nat" {
					t.Errorf("JoinSecret: %q %v", s, err)
				}
			}
		})
	}
}

func TestEnvAndExecFlagsToOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want envOptions
	}{
		{nil, envOptions{}},
		{[]string{"tdx", "--shell", "fish", "--prefix", "X", "--no-renew"}, envOptions{Profile: "tdx", Shell: "fish", Prefix: "X", NoRenew: true}},
	} {
		var got *envOptions
		if err := parse(t, newEnvCmd(testApp(nil), func(o *envOptions) error { got = o; return nil }), tc.args...); err != nil {
			t.Fatal(err)
		}
		if *got != tc.want {
			t.Errorf("env %q: %+v, want %+v", tc.args, *got, tc.want)
		}
	}
	for _, tc := range []struct {
		args    []string
		profile string
		command []string
		redact  bool
		code    int
	}{
		{[]string{"--", "a", "b"}, "", []string{"a", "b"}, false, 0},
		{[]string{"tdx", "--", "a"}, "tdx", []string{"a"}, false, 0},
		{[]string{"--redact", "ams", "a", "b"}, "ams", []string{"a", "b"}, true, 0},
		{[]string{"a", "b", "--", "c"}, "", nil, false, clierr.Usage},
		{[]string{"tdx"}, "", nil, false, clierr.Usage},
	} {
		var got *execOptions
		err := parse(t, newExecCmd(testApp(nil), func(o *execOptions) error { got = o; return nil }), tc.args...)
		if tc.code != 0 {
			if clierr.Code(err) != tc.code {
				t.Errorf("exec %q: %v, want exit %d", tc.args, err, tc.code)
			}
			continue
		}
		if err != nil || got.Profile != tc.profile || !slices.Equal(got.Command, tc.command) || got.Redact != tc.redact {
			t.Errorf("exec %q: %v %+v", tc.args, err, got)
		}
	}
}

// Every provider in the registry gets a login subcommand with its flags.
func TestEveryProviderHasALogin(t *testing.T) {
	t.Parallel()
	app := testApp(nil)
	login := newLoginCmd(app)
	for _, lc := range session.New(session.Deps{}).LoginCommands() {
		c, _, err := login.Find([]string{lc.Provider})
		if err != nil || c.Name() != lc.Provider {
			t.Fatalf("login %s: %v", lc.Provider, err)
		}
		for _, f := range lc.Flags {
			if c.Flags().Lookup(f.Name) == nil {
				t.Errorf("login %s lacks --%s", lc.Provider, f.Name)
			}
		}
	}
}
