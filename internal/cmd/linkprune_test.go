package cmd

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoMethodsByName keeps the linker able to drop unused methods. A
// call of a method by name (text/template running a template, which is
// how cobra runs SetUsageTemplate, SetHelpTemplate and SetVersionTemplate;
// reflect's MethodByName) makes it keep every exported method of every
// type that reaches an interface: one SetVersionTemplate kept all of
// go-redis's commands, 22.7 MB of binary instead of 13.8 MB and a third
// of a millisecond on every `token show` (bench/PROFILE.md).
func TestNoMethodsByName(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	bad := regexp.MustCompile(`\.Set(Usage|Help|Version)Template\(|"(text|html)/template"|\.MethodByName\(`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "vendor", "testdata", ".git", "bench":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			if m := bad.FindString(line); m != "" {
				t.Errorf("%s:%d: %s makes the linker keep every exported method; print with fmt instead", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
