//go:build !linux

package main

func writeRSS() {}
