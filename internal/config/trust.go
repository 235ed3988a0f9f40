package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// StoreKey names a profile's item in a credential store. Two config files
// may both have a profile called tdx, for two instances; their items must
// never be the same one, or one would overwrite the other's session and
// send its saved secret to the wrong instance.
//
// The key is the profile name followed by "@" and a short hash of the
// config file's absolute path ('@' cannot occur in a profile name, so keys
// of different files never meet). The one exception is the default config
// file with a store that lives beside it (the file store's sessions
// folder, memory): those keep the bare profile name, as sesame has always
// written them, since no other config file's plain name can reach them.
// The OS keychain is shared by every config folder, so its keys are always
// qualified.
func (c *Config) StoreKey(profile string, sharedStore bool) string {
	if !sharedStore && c.isDefault() {
		return profile
	}
	return profile + "@" + c.ID()
}

// ID is a short, stable name for the config file: 12 hex digits of the
// SHA-256 of its absolute path.
func (c *Config) ID() string {
	sum := sha256.Sum256([]byte(absPath(c.Path)))
	return hex.EncodeToString(sum[:6])
}

func (c *Config) isDefault() bool {
	dir, err := Dir()
	if err != nil {
		return false
	}
	return absPath(c.Path) == absPath(filepath.Join(dir, "config.yaml"))
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// CheckWritable refuses a config file, or a folder it is in, that group or
// others may write: whoever can edit the file can change a profile's url:
// and have sesame send the saved secret there. Sticky folders (/tmp) are
// fine: others cannot replace a file they do not own in them. It is a
// clierr.Store error (exit 6) that says which chmod fixes it; nil on
// Windows, where access is a matter of ACLs, and for a file not yet there.
func CheckWritable(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	path = absPath(path)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return clierr.New(clierr.Store, "checking config %s: %w", path, err)
	}
	if m := fi.Mode().Perm(); m&0o022 != 0 {
		return writableErr("config file", path, m)
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return clierr.New(clierr.Store, "checking config folder %s: %w", dir, err)
	}
	if m := di.Mode(); m.Perm()&0o022 != 0 && m&fs.ModeSticky == 0 {
		return writableErr("config folder", dir, m.Perm())
	}
	return nil
}

func writableErr(what, path string, mode fs.FileMode) error {
	return clierr.New(clierr.Store, "%s %s is writable by group or others (mode %04o): whoever can edit it could point a profile at another server, so sesame will not send a saved secret; fix it with: chmod go-w %s",
		what, path, mode, shellQuote(path))
}

// shellQuote quotes a path for a command line a user may paste.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '.' || r == '_' || r == '-' || r == '+' || r == '@' || r == ':' || r == ',') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
