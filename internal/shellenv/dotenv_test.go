package shellenv

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// dotenvAccepts is formatDotenv's contract, written out again.
func dotenvAccepts(v string) bool {
	if !utf8.ValidString(v) || strings.Contains(v, "${") {
		return false
	}
	single := !strings.ContainsAny(v, "'\r") && !strings.Contains(v, `\\`) && !strings.HasSuffix(v, `\`)
	double := !strings.ContainsAny(v, "\"\\$")
	return single || double
}

// A dotenvReader is a real .env parser: a program that reads the file at
// $SHELLENV_FILE and prints "NAME HEX" lines, hex being the value's UTF-8.
type dotenvReader struct {
	name string
	argv []string
	env  []string
}

// nodeDotenvDir is where .ci/shells.sh installs Node's dotenv.
func nodeDotenvDir() string {
	if d := os.Getenv("SESAME_TEST_NODE_DIR"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "sesame-test", "node")
}

const pythonDotenv = `
import os, dotenv
for k, v in dotenv.dotenv_values(os.environ["SHELLENV_FILE"]).items():
    print(k, "None" if v is None else v.encode("utf-8").hex())
`

const nodeDotenv = `
const fs = require("fs"), dotenv = require("dotenv");
const src = fs.readFileSync(process.env.SHELLENV_FILE);
const parsed = dotenv.parse(src, {fast: process.env.DOTENV_FAST === "1"});
for (const [k, v] of Object.entries(parsed)) console.log(k, Buffer.from(v, "utf8").toString("hex"));
`

// dotenvReaders returns the readers found on this machine and the reasons
// for those that are missing.
func dotenvReaders() (found []dotenvReader, missing []string) {
	seen := map[string]bool{}
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		if seen[path] {
			continue
		}
		seen[path] = true
		out, err := exec.Command(path, "-c", "import importlib.metadata as m; print(m.version('python-dotenv'))").Output()
		if err != nil {
			missing = append(missing, py+" has no python-dotenv (Debian: apt-get install python3-dotenv)")
			continue
		}
		found = append(found, dotenvReader{name: "python-dotenv-" + strings.TrimSpace(string(out)), argv: []string{path, "-c", pythonDotenv}})
	}
	if len(seen) == 0 {
		missing = append(missing, "no python3 on PATH")
	}
	node, err := exec.LookPath("node")
	modules := filepath.Join(nodeDotenvDir(), "node_modules")
	data, rerr := os.ReadFile(filepath.Join(modules, "dotenv", "package.json"))
	switch {
	case err != nil:
		missing = append(missing, "no node on PATH")
	case rerr != nil:
		missing = append(missing, "Node's dotenv is not in "+modules+" (run .ci/shells.sh, or set SESAME_TEST_NODE_DIR)")
	default:
		version := "?"
		if _, after, ok := strings.Cut(string(data), `"version": "`); ok {
			version, _, _ = strings.Cut(after, `"`)
		}
		for _, fast := range []string{"0", "1"} {
			name := "node-dotenv-" + version
			if fast == "1" {
				name += "-fast"
			}
			found = append(found, dotenvReader{name: name, argv: []string{node, "-e", nodeDotenv}, env: []string{"NODE_PATH=" + modules, "DOTENV_FAST=" + fast}})
		}
	}
	// Any other reader, e.g. docker compose's parser (compose-go's dotenv
	// package, which this module does not depend on) built as a small
	// program that reads $SHELLENV_FILE and prints "NAME HEX" lines.
	if extra := os.Getenv("SESAME_TEST_DOTENV_READER"); extra != "" {
		found = append(found, dotenvReader{name: filepath.Base(extra), argv: []string{extra}})
	}
	return found, missing
}

func TestDotenvRealReaders(t *testing.T) {
	t.Parallel()
	readers, missing := dotenvReaders()
	for _, why := range missing {
		t.Logf("dotenv reader not tested: %s", why)
	}
	if len(readers) == 0 {
		t.Skipf("no dotenv reader installed: %s", strings.Join(missing, "; "))
	}

	vals := nastyValues()
	var ok []testValue
	for _, tv := range vals {
		_, err := Format("dotenv", []Var{{Name: "V", Value: tv.value}})
		var ve *ValueError
		switch want := dotenvAccepts(tv.value); {
		case want && err != nil:
			t.Errorf("Format refused %s: %v", tv.desc, err)
		case !want && err == nil:
			t.Errorf("Format accepted %s (%q), which it should refuse", tv.desc, tv.value)
		case err != nil && (!errors.As(err, &ve) || ve.Name != "V"):
			t.Errorf("refusing %s: %v is not a *ValueError naming V", tv.desc, err)
		case err == nil:
			ok = append(ok, tv)
		}
	}
	vars := varsFor(ok)
	out, err := Format("dotenv", vars)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, ".env")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, r.argv[0], r.argv[1:]...)
			cmd.Dir = dir
			// ${…} is refused, but keep the environment small anyway so
			// that nothing of the machine's could be interpolated.
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C.UTF-8", "SHELLENV_FILE=" + file}, r.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			got := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				f := strings.Fields(line)
				if len(f) == 0 {
					continue
				}
				v := ""
				if len(f) > 1 { // a None from python-dotenv fails to decode
					b, err := hex.DecodeString(f[1])
					if err != nil {
						t.Fatalf("reader line %q: %v", line, err)
					}
					v = string(b)
				}
				got[f[0]] = v
			}
			if len(got) != len(vars) {
				t.Errorf("%s read %d variables, want %d", r.name, len(got), len(vars))
			}
			for i, v := range vars {
				if g, set := got[v.Name]; !set {
					t.Errorf("%s (%s) missing", v.Name, ok[i].desc)
				} else if g != v.Value {
					t.Errorf("%s (%s) = %q, want %q", v.Name, ok[i].desc, truncate(g), truncate(v.Value))
				}
			}
			t.Logf("%s: %d values round-tripped, %d refused as documented", r.name, len(ok), len(vals)-len(ok))
		})
	}
}
