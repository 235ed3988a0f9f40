package shellenv

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The tests run real shells on Format's output and then this test binary
// again, as a child of the shell, to report the environment the shell
// exported. SHELLENV_TEST_DUMP names the variables (comma-separated) and
// SHELLENV_TEST_DUMP_OUT the file to write "NAME=HEX" or "NAME!" (unset)
// lines to. Hex keeps every byte intact whatever the value holds.
func TestMain(m *testing.M) {
	if names := os.Getenv("SHELLENV_TEST_DUMP"); names != "" {
		os.Exit(dumpEnv(strings.Split(names, ","), os.Getenv("SHELLENV_TEST_DUMP_OUT")))
	}
	os.Exit(m.Run())
}

func dumpEnv(names []string, out string) int {
	var b strings.Builder
	for _, n := range names {
		if v, ok := os.LookupEnv(n); ok {
			fmt.Fprintf(&b, "%s=%s\n", n, hex.EncodeToString([]byte(v)))
		} else {
			fmt.Fprintf(&b, "%s!\n", n)
		}
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "dump:", err)
		return 1
	}
	return 0
}

// readDump parses dumpEnv's file: name → value, absent names unset.
func readDump(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the shell did not run the dumper: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		name, hx, ok := strings.Cut(line, "=")
		if !ok {
			continue // NAME! — unset
		}
		v, err := hex.DecodeString(hx)
		if err != nil {
			t.Fatalf("dump line %q: %v", line, err)
		}
		got[name] = string(v)
	}
	return got
}
