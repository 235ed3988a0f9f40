//go:build !windows

package fsretry

import "os"

func ephemeral(error) bool { return false }

func openShared(name string) (*os.File, error) { return os.Open(name) }
