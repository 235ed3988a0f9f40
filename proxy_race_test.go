//go:build race

package main

// raceBuild: the race detector multiplies memory, so RSS limits do not apply.
const raceBuild = true
