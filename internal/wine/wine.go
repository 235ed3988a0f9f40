// Package wine tells whether this Windows program runs under Wine, so that
// tests of what Wine cannot prove (PowerShell, NTFS ACLs, Credential
// Manager limits, cmd's for /f, the real curl.exe) skip with that reason
// instead of passing by accident.
package wine

// Detected reports whether the process runs under Wine: Wine's ntdll
// exports wine_get_version, which no real Windows has.
func Detected() bool { return detected() }

// SkipReason is the common ending of a skip message.
const SkipReason = "under Wine, which cannot prove it (see .ci/windows-wine.sh; the windows-latest CI job runs it)"
