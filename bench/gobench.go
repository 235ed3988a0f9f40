//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// goBench is one line of `go test -bench` output.
type goBench struct {
	pkg, name                  string
	nsPerOp, bytesOp, allocsOp string
	iterations                 string
}

// benchPackages lists the packages whose tests declare a Benchmark, so
// that only they are compiled and run.
func benchPackages(root string) ([]string, error) {
	seen := map[string]bool{}
	var pkgs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("\nfunc Benchmark")) {
			dir := filepath.Dir(path)
			rel, _ := filepath.Rel(root, dir)
			pkg := "./" + filepath.ToSlash(rel)
			if rel == "." {
				pkg = "."
			}
			if !seen[pkg] {
				seen[pkg] = true
				pkgs = append(pkgs, pkg)
			}
		}
		return nil
	})
	return pkgs, err
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

// goBenchmarks runs the repository's Go benchmarks and parses their lines.
func goBenchmarks(root, benchtime string) ([]goBench, error) {
	pkgs, err := benchPackages(root)
	if err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no Benchmark functions found")
	}
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", benchtime, "-count", "1"}, pkgs...)
	c := exec.Command("go", args...)
	c.Dir = root
	c.Env = append(os.Environ(), "GOWORK=off")
	out, err := c.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var res []goBench
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if p, ok := strings.CutPrefix(l, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/sesame-cli/sesame/")
			continue
		}
		if m := benchLine.FindStringSubmatch(l); m != nil {
			res = append(res, goBench{pkg: pkg, name: m[1], iterations: m[2], nsPerOp: m[3], bytesOp: m[4], allocsOp: m[5]})
		}
	}
	return res, nil
}
