package shellenv

import (
	"errors"
	"strings"
	"testing"
)

func TestFormatGolden(t *testing.T) {
	t.Parallel()
	vars := []Var{
		{Name: "TDX_TOKEN", Value: "eyJ.a-b_c", Secret: true},
		{Name: "Q", Value: "it's"},
		{Name: "E", Value: ""},
	}
	tests := []struct {
		shell, want string
	}{
		{"sh", "export TDX_TOKEN='eyJ.a-b_c'\nexport Q='it'\\''s'\nexport E=''\n"},
		{"", "export TDX_TOKEN='eyJ.a-b_c'\nexport Q='it'\\''s'\nexport E=''\n"},
		{"ZSH", "export TDX_TOKEN='eyJ.a-b_c'\nexport Q='it'\\''s'\nexport E=''\n"},
		{"fish", "set -gx TDX_TOKEN 'eyJ.a-b_c'\nset -gx Q 'it\\'s'\nset -gx E ''\n"},
		{"pwsh", "$Env:TDX_TOKEN = 'eyJ.a-b_c'\n$Env:Q = 'it''s'\n$Env:E = ''\n"},
		{"cmd", "@set \"TDX_TOKEN=eyJ.a-b_c\"\r\n@set \"Q=it's\"\r\n@set \"E=\"\r\n"},
		{"dotenv", "TDX_TOKEN='eyJ.a-b_c'\nQ=\"it's\"\nE=''\n"},
	}
	for _, tt := range tests {
		got, err := Format(tt.shell, vars)
		if err != nil || got != tt.want {
			t.Errorf("Format(%q) = %q, %v; want %q", tt.shell, got, err, tt.want)
		}
	}
}

func TestFormatEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		shell, value, want string
	}{
		{"sh", "a'b\nc", "export V='a'\\''b\nc'\n"},
		{"fish", `a\'b`, `set -gx V 'a\\\'b'` + "\n"},
		{"fish", "a\\\nb", "set -gx V 'a\\\\\nb'\n"},
		{"powershell", "a\nb", "$Env:V = 'a' + [char]0x000A + 'b'\n"},
		{"powershell", "\x01", "$Env:V = '' + [char]0x0001\n"},
		{"powershell", "’", "$Env:V = '' + [char]0x2019\n"},
		{"powershell", "x😀", "$Env:V = 'x' + [char]0xD83D + [char]0xDE00\n"},
		{"powershell", "é'", "$Env:V = '' + [char]0x00E9 + ''''\n"},
		{"dotenv", "a\r\nb'", "V=\"a\\r\nb'\"\n"},
		{"dotenv", "$HOME\n#x", "V='$HOME\n#x'\n"},
		{"cmd", ` a&b|c<d>e(f)=g `, "@set \"V= a&b|c<d>e(f)=g \"\r\n"},
	}
	for _, tt := range tests {
		got, err := Format(tt.shell, []Var{{Name: "V", Value: tt.value}})
		if err != nil || got != tt.want {
			t.Errorf("Format(%q, %q) = %q, %v; want %q", tt.shell, tt.value, got, err, tt.want)
		}
	}
}

// PowerShell output is printable ASCII, one line per variable, whatever the
// value: see formatPowerShell for why.
func TestPowerShellASCIIOneLine(t *testing.T) {
	t.Parallel()
	for _, tv := range nastyValues() {
		out, err := Format("powershell", []Var{{Name: "V", Value: tv.value}})
		if err != nil {
			continue // invalid UTF-8, checked elsewhere
		}
		body := strings.TrimSuffix(out, "\n")
		for i := 0; i < len(body); i++ {
			if c := body[i]; c < 0x20 || c > 0x7e {
				t.Errorf("%s: output byte 0x%02x at %d is not printable ASCII: %q", tv.desc, c, i, truncate(out))
				break
			}
		}
	}
}

func TestUnknownShell(t *testing.T) {
	t.Parallel()
	_, err := Format("tcsh", []Var{{Name: "V", Value: "x"}})
	if !errors.Is(err, ErrUnknownShell) {
		t.Fatalf("err = %v, want ErrUnknownShell", err)
	}
	for _, s := range append(Shells(), "github", `"tcsh"`) {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not list %s", err, s)
		}
	}
	if _, err := Format("github", nil); err == nil || !strings.Contains(err.Error(), "WriteGitHub") {
		t.Errorf("Format(github) = %v, want an error pointing to WriteGitHub", err)
	}
	for _, s := range Shells() {
		if _, err := Format(s, []Var{{Name: "V", Value: "x"}}); err != nil {
			t.Errorf("Format(%q): %v", s, err)
		}
	}
}

func TestInvalidNames(t *testing.T) {
	t.Parallel()
	bad := []string{"", "1A", "A-B", "A B", "A=B", "A.B", "É", "A\n", "$A", "A'"}
	good := []string{"A", "_", "_1", "tdx_token", "TDX_TOKEN_2"}
	for _, s := range Shells() {
		for _, n := range bad {
			out, err := Format(s, []Var{{Name: "OK", Value: "S3CR3T"}, {Name: n, Value: "S3CR3T"}})
			if err == nil || out != "" {
				t.Errorf("Format(%q) with name %q = %q, %v; want an error and no output", s, n, out, err)
			} else if strings.Contains(err.Error(), "S3CR3T") {
				t.Errorf("Format(%q) error shows the value: %v", s, err)
			}
		}
		for _, n := range good {
			if _, err := Format(s, []Var{{Name: n, Value: "v"}}); err != nil {
				t.Errorf("Format(%q) with name %q: %v", s, n, err)
			}
		}
	}
	for _, n := range bad {
		var file, stdout strings.Builder
		if err := WriteGitHub(&file, &stdout, []Var{{Name: n, Value: "S3CR3T", Secret: true}}); err == nil || file.Len()+stdout.Len() > 0 {
			t.Errorf("WriteGitHub with name %q: err %v, wrote %d bytes", n, err, file.Len()+stdout.Len())
		}
	}
}

// Every refusal names the variable and never shows the value, for every
// target: an error message ends up in terminals and CI logs.
func TestErrorsNeverShowTheValue(t *testing.T) {
	t.Parallel()
	const marker = "S3CR3T"
	vals := append(nastyValues(), testValue{"nul", "\x00"}, testValue{"nul inside", "a\x00b"})
	for _, s := range append(Shells(), "github") {
		refused := 0
		for _, tv := range vals {
			vars := []Var{{Name: "SESAME_V", Value: marker + tv.value + marker, Secret: true}}
			var err error
			if s == "github" {
				var file, stdout strings.Builder
				err = WriteGitHub(&file, &stdout, vars)
			} else {
				_, err = Format(s, vars)
			}
			if err == nil {
				continue
			}
			refused++
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Name != "SESAME_V" || !strings.Contains(err.Error(), "SESAME_V") {
				t.Errorf("%s, %s: %v does not name the variable", s, tv.desc, err)
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("%s, %s: error shows the value: %v", s, tv.desc, err)
			}
		}
		if refused == 0 {
			t.Errorf("%s refused nothing, not even a NUL", s)
		}
	}
}

func TestNULRefusedEverywhere(t *testing.T) {
	t.Parallel()
	for _, s := range append(Shells(), "github") {
		var err error
		vars := []Var{{Name: "FINE", Value: "x"}, {Name: "HAS_NUL", Value: "a\x00b"}}
		var out string
		if s == "github" {
			var file, stdout strings.Builder
			err = WriteGitHub(&file, &stdout, vars)
			out = file.String() + stdout.String()
		} else {
			out, err = Format(s, vars)
		}
		if err == nil || !strings.Contains(err.Error(), "HAS_NUL") || !strings.Contains(err.Error(), "NUL") || out != "" {
			t.Errorf("%s: %q, %v; want an error naming HAS_NUL and no output", s, out, err)
		}
	}
}

func TestCmdLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", cmdMaxLine-len(`@set "V="`))
	if _, err := Format("cmd", []Var{{Name: "V", Value: long}}); err != nil {
		t.Errorf("a line of exactly %d characters: %v", cmdMaxLine, err)
	}
	if _, err := Format("cmd", []Var{{Name: "V", Value: long + "a"}}); err == nil || !strings.Contains(err.Error(), "8191") {
		t.Errorf("a line of %d characters: err = %v, want the 8191 limit", cmdMaxLine+1, err)
	}
	for _, v := range []string{"a\nb", "a\rb", "%", "!", "^", `"`, "é", "\t", "\x7f", "/?", "https://x/?a"} {
		if _, err := Format("cmd", []Var{{Name: "V", Value: v}}); err == nil || !strings.Contains(err.Error(), "powershell") {
			t.Errorf("cmd %q: err = %v, want a refusal that points to powershell", v, err)
		}
	}
}

func TestDotenvRefusals(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"${HOME}", "a${", `it's "x"`, `it's \`, "it's $x", `a\`, `a\\b`, "a\r\"", "\xff"} {
		if _, err := Format("dotenv", []Var{{Name: "V", Value: v}}); err == nil {
			t.Errorf("dotenv accepted %q", v)
		}
	}
	for _, v := range []string{"$HOME", "$", `a\b`, `C:\Users\x\y`, "'", "it's", "\r", "a\nb", "#", " x ", "`x`", "‘’“”"} {
		if _, err := Format("dotenv", []Var{{Name: "V", Value: v}}); err != nil {
			t.Errorf("dotenv refused %q: %v", v, err)
		}
	}
}

func TestDefaultShell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "sh"},
		{map[string]string{"SHELL": "/usr/bin/fish", "PSModulePath": `C:\x`}, "fish"},
		{map[string]string{"SHELL": "/bin/bash", "ComSpec": `C:\Windows\system32\cmd.exe`}, "sh"},
		{map[string]string{"PSModulePath": `C:\x`, "ComSpec": `C:\Windows\system32\cmd.exe`}, "powershell"},
		{map[string]string{"ComSpec": `C:\Windows\system32\cmd.exe`}, "cmd"},
	}
	for _, tt := range tests {
		if got := DefaultShell(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("DefaultShell(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestShellFromEnv(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                                       "sh",
		"/bin/sh":                                "sh",
		"/bin/bash":                              "sh",
		"/usr/bin/zsh":                           "sh",
		"/bin/dash":                              "sh",
		"/usr/bin/ksh93":                         "sh",
		"/usr/local/bin/fish":                    "fish",
		"fish":                                   "fish",
		"-fish":                                  "fish",
		"/opt/homebrew/bin/fish":                 "fish",
		"pwsh":                                   "powershell",
		"/usr/bin/pwsh":                          "powershell",
		"/opt/microsoft/powershell/7/pwsh":       "powershell",
		"/usr/bin/pwsh-preview":                  "powershell",
		`C:\Program Files\PowerShell\7\pwsh.exe`: "powershell",
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: "powershell",
		`C:\Windows\System32\cmd.exe`:                               "cmd",
		"/usr/bin/tcsh":                                             "sh",
		"/usr/bin/fisher":                                           "sh",
	}
	for in, want := range tests {
		if got := ShellFromEnv(in); got != want {
			t.Errorf("ShellFromEnv(%q) = %q, want %q", in, got, want)
		}
		if _, err := Format(ShellFromEnv(in), nil); err != nil {
			t.Errorf("ShellFromEnv(%q) = %q, which Format refuses: %v", in, ShellFromEnv(in), err)
		}
	}
}
