package cmd

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/envvars"
)

func TestChildEnvStripsSecretInputs(t *testing.T) {
	base := []string{"PATH=/bin", "SESAME_PASSWORD=p1", "sesame_password=p2", "Sesame_Secret=s", "=C:=C:\\x", "HOME=/h", "tdx_token=old"}
	set := []string{"TDX_TOKEN=new"}

	got := childEnvFold(base, set, true, false)
	want := []string{"PATH=/bin", "=C:=C:\\x", "HOME=/h", "TDX_TOKEN=new"}
	if !slices.Equal(got, want) {
		t.Errorf("folding (Windows):\n got %q\nwant %q", got, want)
	}

	got = childEnvFold(base, set, false, false)
	want = []string{"PATH=/bin", "sesame_password=p2", "Sesame_Secret=s", "=C:=C:\\x", "HOME=/h", "tdx_token=old", "TDX_TOKEN=new"}
	if !slices.Equal(got, want) {
		t.Errorf("case-sensitive (Unix):\n got %q\nwant %q", got, want)
	}
}

// TestChildEnvRule is the rule of childenv.go as a table: every secret row
// of envvars, and an outer proxy's token unless the child nests.
func TestChildEnvRule(t *testing.T) {
	base := []string{"PATH=/bin", "SESAME_FLEET_KEY=k", "SESAME_REDIS_PASSWORD=r", "SESAME_ACCESS_TOKEN=a",
		"SESAME_PROXY_TOKEN=outer", "TDX_PROXY_TOKEN=outer", "TDX_BASE_URL=http://127.0.0.1:1/TDWebApi",
		"SESAME_PROFILE=tdx", "sesame_fleet_key=lower", "Ams_Proxy_Token=mixed"}
	for _, tc := range []struct {
		name       string
		fold, nest bool
		want       []string
	}{
		{"tool, Unix", false, false, []string{"PATH=/bin", "TDX_BASE_URL=http://127.0.0.1:1/TDWebApi", "SESAME_PROFILE=tdx", "sesame_fleet_key=lower", "Ams_Proxy_Token=mixed", "SESAME_PROXY_TOKEN=inner"}},
		{"tool, Windows", true, false, []string{"PATH=/bin", "TDX_BASE_URL=http://127.0.0.1:1/TDWebApi", "SESAME_PROFILE=tdx", "SESAME_PROXY_TOKEN=inner"}},
		{"nest, Unix", false, true, []string{"PATH=/bin", "TDX_PROXY_TOKEN=outer", "TDX_BASE_URL=http://127.0.0.1:1/TDWebApi", "SESAME_PROFILE=tdx", "sesame_fleet_key=lower", "Ams_Proxy_Token=mixed", "SESAME_PROXY_TOKEN=inner"}},
		{"nest, Windows", true, true, []string{"PATH=/bin", "TDX_PROXY_TOKEN=outer", "TDX_BASE_URL=http://127.0.0.1:1/TDWebApi", "SESAME_PROFILE=tdx", "Ams_Proxy_Token=mixed", "SESAME_PROXY_TOKEN=inner"}},
	} {
		got := childEnvFold(base, []string{"SESAME_PROXY_TOKEN=inner"}, tc.fold, tc.nest)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	for _, name := range envvars.Secrets() {
		for _, fold := range []bool{false, true} {
			if got := childEnvFold([]string{name + "=x"}, nil, fold, true); len(got) != 0 {
				t.Errorf("%s reaches a child (fold %v)", name, fold)
			}
		}
	}
}

// TestChildEnvReal runs a real child with the environment childEnv builds
// from this process's own: on Windows no case of SESAME_PASSWORD reaches
// it (os.Getenv in sesame reads them all, so none may pass on).
func TestChildEnvReal(t *testing.T) {
	t.Setenv("sesame_password", "lower-secret")
	t.Setenv("SESAME_SECRET", "upper-secret")
	t.Setenv("SESAME_FLEET_KEY", "fleet-key")
	t.Setenv("SESAME_REDIS_PASSWORD", "redis-pass")
	var c *exec.Cmd
	if runtime.GOOS == "windows" {
		c = exec.Command(os.Getenv("ComSpec"), "/c", "set")
	} else {
		c = exec.Command("env")
	}
	c.Env = childEnv(os.Environ())
	out, err := c.Output()
	if err != nil {
		t.Skipf("cannot list a child's environment: %v", err)
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n") {
		k, _, _ := strings.Cut(line, "=")
		if strings.EqualFold(k, "SESAME_SECRET") || k == "SESAME_FLEET_KEY" || k == "SESAME_REDIS_PASSWORD" || (runtime.GOOS == "windows" && strings.EqualFold(k, "SESAME_PASSWORD")) {
			t.Errorf("child saw %s", k)
		}
	}
}
