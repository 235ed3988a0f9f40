package cmd

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestChildEnvStripsSecretInputs(t *testing.T) {
	base := []string{"PATH=/bin", "SESAME_PASSWORD=p1", "sesame_password=p2", "Sesame_Secret=s", "=C:=C:\\x", "HOME=/h", "tdx_token=old"}
	set := []string{"TDX_TOKEN=new"}

	got := childEnvFold(base, set, true)
	want := []string{"PATH=/bin", "=C:=C:\\x", "HOME=/h", "TDX_TOKEN=new"}
	if !slices.Equal(got, want) {
		t.Errorf("folding (Windows):\n got %q\nwant %q", got, want)
	}

	got = childEnvFold(base, set, false)
	want = []string{"PATH=/bin", "sesame_password=p2", "Sesame_Secret=s", "=C:=C:\\x", "HOME=/h", "tdx_token=old", "TDX_TOKEN=new"}
	if !slices.Equal(got, want) {
		t.Errorf("case-sensitive (Unix):\n got %q\nwant %q", got, want)
	}
}

// TestChildEnvReal runs a real child with the environment childEnv builds
// from this process's own: on Windows no case of SESAME_PASSWORD reaches
// it (os.Getenv in sesame reads them all, so none may pass on).
func TestChildEnvReal(t *testing.T) {
	t.Setenv("sesame_password", "lower-secret")
	t.Setenv("SESAME_SECRET", "upper-secret")
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
		if strings.EqualFold(k, "SESAME_SECRET") || (runtime.GOOS == "windows" && strings.EqualFold(k, "SESAME_PASSWORD")) {
			t.Errorf("child saw %s", k)
		}
	}
}
