//go:build !windows

package fsretry

func ephemeral(error) bool { return false }
