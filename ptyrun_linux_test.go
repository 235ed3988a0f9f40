package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ptyRunMain is the test program `ptyrun ACTION PROMPT PROG ARGS…`: it runs
// PROG with stdin and stderr on a new pseudo-terminal (its controlling
// terminal, as in a real session), waits up to 10 s for the terminal to
// show text matching the regexp PROMPT, then acts:
//
//	ctrl-c     types Ctrl-C
//	sigterm    sends PROG SIGTERM
//	sigint     sends PROG SIGINT (kill -INT, not typed)
//	type=TEXT  types TEXT and Enter
//
// When PROG has exited it prints PROG's stdout on stdout, what the terminal
// showed on stderr, then "terminal: echo on|off, line mode on|off" on
// stderr, and exits with PROG's code (128+N when a signal killed it). A
// PROG still running 10 s after the action is killed and reported (99).
func ptyRunMain() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: ptyrun ctrl-c|sigterm|sigint|type=TEXT PROMPT PROG [ARGS…]")
		os.Exit(2)
	}
	action, prompt := os.Args[1], regexp.MustCompile(os.Args[2])
	master, tty, err := openPty()
	if err != nil {
		fatal(err)
	}
	var stdout bytes.Buffer
	c := exec.Command(os.Args[3], os.Args[4:]...)
	c.Stdin, c.Stdout, c.Stderr = tty, &stdout, tty
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		fatal(err)
	}
	var mu sync.Mutex
	var screen bytes.Buffer
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			mu.Lock()
			screen.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		seen := prompt.Match(screen.Bytes())
		mu.Unlock()
		if seen {
			break
		}
		if time.Now().After(deadline) {
			_ = c.Process.Kill()
			fatal(fmt.Errorf("no prompt matching %q within 10s; the terminal showed %q", prompt, screen.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	switch {
	case action == "ctrl-c":
		_, err = master.Write([]byte{3})
	case action == "sigterm":
		err = c.Process.Signal(syscall.SIGTERM)
	case action == "sigint":
		err = c.Process.Signal(syscall.SIGINT)
	case len(action) > 5 && action[:5] == "type=":
		_, err = master.Write([]byte(action[5:] + "\r"))
	default:
		err = fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		_ = c.Process.Kill()
		fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(10 * time.Second):
		// Still at the prompt: the old bug (Ctrl-C ignored, echo off).
		t, _ := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		_ = c.Process.Kill()
		<-exited
		fatal(fmt.Errorf("still running 10s after %s (echo %s)", action, onOff(t != nil && t.Lflag&unix.ECHO != 0)))
	}
	t, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		fatal(err)
	}
	tty.Close()
	<-readDone
	os.Stdout.Write(stdout.Bytes())
	os.Stderr.Write(screen.Bytes())
	fmt.Fprintf(os.Stderr, "\nterminal: echo %s, line mode %s\n", onOff(t.Lflag&unix.ECHO != 0), onOff(t.Lflag&unix.ICANON != 0))
	code := 0
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if werr != nil {
		fatal(werr)
	}
	os.Exit(code)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ptyrun:", err)
	os.Exit(99)
}

// openPty opens a new pseudo-terminal pair in its default (cooked, echo)
// mode.
func openPty() (master, tty *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, tty, nil
}
