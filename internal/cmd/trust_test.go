package cmd

import (
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestUnknownSubcommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{"token", "shw"}, `unknown command "shw" for "sesame token"`},
		{[]string{"-p", "x", "token", "shw", "tdx"}, "Did you mean this?\n\tshow"},
		{[]string{"login", "tdz"}, "\ttdx"},
		{[]string{"login", "zzzzzz"}, `unknown command "zzzzzz" for "sesame login"`},
		{[]string{"token"}, ""},
		{[]string{"token", "show", "extra"}, ""}, // a leaf checks its own arguments
		{[]string{"token", "--help"}, ""},
		{[]string{"tokn"}, ""}, // the root: cobra's own error
		{[]string{"status"}, ""},
	} {
		err := unknownSubcommand(newRootCmd(newApp()), tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || clierr.Code(err) != clierr.Usage):
			t.Errorf("%q: got %v (code %d), want %q and exit 2", tc.args, err, clierr.Code(err), tc.want)
		}
	}
}

func TestHeaderVar(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Authorization":  "AUTHORIZATION",
		"Cookie":         "COOKIE",
		"X-APP-ID":       "APP_ID",
		"session-header": "SESSION_HEADER",
		"X-SS-ID":        "SS_ID",
	} {
		if got := headerVar(in); got != want {
			t.Errorf("headerVar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusExit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		row  statusRow
		want int
	}{
		{"tdx", statusRow{State: "valid"}, 0},
		{"tdx", statusRow{State: "expired", Secret: true}, 0},
		{"tdx", statusRow{State: "expired"}, clierr.NoSession},
		{"tdx", statusRow{State: "none"}, clierr.NoSession},
		{"", statusRow{State: "none"}, 0}, // the listing is no verdict
	} {
		if got := clierr.Code(statusExit(tc.name, []statusRow{tc.row}, false)); got != tc.want {
			t.Errorf("%q %+v: exit %d, want %d", tc.name, tc.row, got, tc.want)
		}
	}
}
