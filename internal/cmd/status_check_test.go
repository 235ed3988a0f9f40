package cmd

import (
	"errors"
	"testing"

	"github.com/sesame-cli/sesame/internal/authproxy"
	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestCheckExitRanks(t *testing.T) {
	t.Parallel()
	row := func(check string) statusRow { return statusRow{Profile: check, Check: check, CheckError: "why"} }
	for _, tc := range []struct {
		checks []string
		want   int
	}{
		{[]string{checkPassed, checkPassed}, clierr.OK},
		{[]string{checkPassed, checkUnreachable}, clierr.Network},
		{[]string{checkUnreachable, checkRefused}, clierr.NoSession},
		{[]string{checkRefused, checkUnreachable}, clierr.NoSession},
		{[]string{checkNone}, clierr.NoSession},
		{[]string{checkError, checkPassed}, clierr.Unexpected},
		{[]string{checkError, checkUnreachable}, clierr.Network},
	} {
		var rows []statusRow
		for _, c := range tc.checks {
			rows = append(rows, row(c))
		}
		if got := clierr.Code(checkExit(rows)); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.checks, got, tc.want)
		}
	}
}

func TestVerdictOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{clierr.New(clierr.Rejected, "refused"), checkRefused},
		{clierr.New(clierr.NoSession, "expired, no secret"), checkRefused},
		{clierr.New(clierr.Network, "dial tcp: refused"), checkUnreachable},
		{&authproxy.Refusal{Msg: "login paths are refused"}, checkError},
		{errors.New("a bug"), checkError},
	} {
		if got := verdictOf(tc.err).state; got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

// --json's value is optional (bare --json prints everything, as before);
// a field list given as the next word is taken only when it names fields
// and no profile.
func TestJSONFieldsArgument(t *testing.T) {
	t.Parallel()
	fields := jsonFields(statusRow{})
	isProfile := func(n string) bool { return n == "tdx" || n == "state" }
	for _, tc := range []struct {
		value     string
		args      []string
		wantValue string
		wantArgs  int
	}{
		{allFields, []string{"profile,state"}, "profile,state", 0},
		{allFields, []string{"tdx"}, allFields, 1},   // a profile
		{allFields, []string{"state"}, allFields, 1}, // a profile named like a field: the profile
		{allFields, []string{"help"}, "help", 0},
		{allFields, []string{"profile,colour"}, allFields, 1},
		{"profile", []string{"tdx"}, "profile", 1}, // --json=profile tdx
		{"", []string{"profile"}, "", 1},           // no --json at all
	} {
		o := jsonOutput{fields: fields, value: tc.value}
		rest := o.takeFieldsArg(tc.args, isProfile)
		if o.value != tc.wantValue || len(rest) != tc.wantArgs {
			t.Errorf("--json=%q %v: value %q, %d args left; want %q, %d", tc.value, tc.args, o.value, len(rest), tc.wantValue, tc.wantArgs)
		}
	}
	if got := jsonFields(profileRow{}); len(got) != 6 || got[0] != "name" || got[5] != "default" {
		t.Errorf("profileRow fields %v", got)
	}
}
