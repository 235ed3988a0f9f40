package envvars

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sesameName is a whole SESAME_* variable name (SESAME_ENV_ is a prefix
// of generated heredoc delimiters, not a variable).
var sesameName = regexp.MustCompile(`^SESAME_[A-Z0-9_]*[A-Z0-9]$`)

// secretWord marks a name that by its words carries a secret.
var secretWord = regexp.MustCompile(`PASSWORD|SECRET|TOKEN|_KEY$`)

// TestEveryVariableIsInTheTable reads the non-test Go source of the module
// and fails on a SESAME_* variable that sesame reads but All lacks, or
// lacks as a secret: a Getenv/LookupEnv/FleetCredential of a literal name,
// any SESAME_* string literal (a list ranged over with Getenv), and the
// SESAME_+key names viper's AutomaticEnv binds for every Setting, BindEnv
// and SetDefault key in internal/config. The child-environment rule is
// derived from All, so a secret added without its row would reach children.
func TestEveryVariableIsInTheTable(t *testing.T) {
	root := filepath.Join("..", "..")
	type use struct {
		name, where string
		secret      bool // read as a secret (FleetCredential)
	}
	var uses []use
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "vendor", "testdata", ".git", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.Base(filepath.Dir(path)) == "envvars" {
			return nil // the table itself
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && sesameName.MatchString(s) {
					uses = append(uses, use{name: s, where: fset.Position(n.Pos()).String()})
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) == 0 {
					return true
				}
				lit, ok := n.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				where := fset.Position(n.Pos()).String()
				switch sel.Sel.Name {
				case "FleetCredential":
					uses = append(uses, use{name: s, where: where, secret: true})
				case "Getenv", "LookupEnv":
					if strings.HasPrefix(s, "SESAME_") {
						uses = append(uses, use{name: s, where: where})
					}
				case "Setting", "SetDefault", "BindEnv":
					// viper with SetEnvPrefix("SESAME") and AutomaticEnv:
					// every key it reads is also SESAME_<KEY>.
					if strings.Contains(path, filepath.Join("internal", "config")) || sel.Sel.Name == "Setting" {
						uses = append(uses, use{name: "SESAME_" + strings.ToUpper(strings.ReplaceAll(s, "-", "_")), where: where})
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 10 {
		t.Fatalf("found only %d uses of SESAME_* names: is the scan reading the source?", len(uses))
	}
	for _, u := range uses {
		v, ok := Lookup(u.name)
		switch {
		case !ok:
			t.Errorf("%s: %s is read but not in envvars.All: add its row (Secret: true if it carries a secret)", u.where, u.name)
		case (u.secret || secretWord.MatchString(u.name)) && !v.Secret:
			t.Errorf("%s: %s carries a secret but its envvars row is not Secret: children would see it", u.where, u.name)
		}
	}
}

func TestSecretsAreMarked(t *testing.T) {
	for _, name := range []string{"SESAME_PASSWORD", "SESAME_SECRET", "SESAME_ACCESS_TOKEN", "SESAME_FLEET_KEY", "SESAME_REDIS_PASSWORD", "SESAME_PROXY_TOKEN"} {
		if v, ok := Lookup(name); !ok || !v.Secret {
			t.Errorf("%s is not a secret row", name)
		}
	}
}
