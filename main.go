// Command sesame logs in to Teamworks AMS, YourMembership and TeamDynamix
// once, keeps the session in the OS keychain, renews it, and hands it to
// scripts, shells and curl. Everything is in internal/cmd.
package main

import (
	"os"

	"github.com/sesame-cli/sesame/internal/cmd"
)

func main() { os.Exit(cmd.Main()) }
