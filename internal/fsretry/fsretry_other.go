//go:build !windows

package fsretry

import "os"

func openShared(name string) (*os.File, error) { return os.Open(name) }
