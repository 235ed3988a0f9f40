package cmd

import (
	"context"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestInterruptContextIsLazyOnlyForTokenShow(t *testing.T) {
	root := newRootCmd(newApp())
	for _, args := range [][]string{
		{"token", "show"},
		{"-p", "tdx", "token", "show", "--format", "json"},
		{"--profile=tdx", "token", "show", "tdx"},
	} {
		ctx, stop := interruptContext(root, args)
		l, ok := ctx.(*lazyInterrupt)
		if !ok || l.get() != nil {
			t.Errorf("%q: %T, want an unarmed *lazyInterrupt", args, ctx)
		}
		if ctx.Err() != nil || ctx.Value("x") != nil {
			t.Errorf("%q: unarmed context has Err %v", args, ctx.Err())
		}
		stop()
	}
	for _, args := range [][]string{{"login", "tdx"}, {"status"}, {"nope"}, {"help", "token", "show"}, {}} {
		ctx, stop := interruptContext(root, args)
		if _, lazy := ctx.(*lazyInterrupt); lazy {
			t.Errorf("%q: lazy, want the handler installed up front", args)
		}
		stop()
	}
}

// Once something waits on it, the lazy context is NotifyContext's: a
// context derived from it is cancelled by SIGTERM as by Ctrl-C.
func TestLazyInterruptArmsOnDone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no way to send ourselves a signal")
	}
	l := &lazyInterrupt{}
	defer l.stop()
	ctx, cancel := context.WithTimeout(l, time.Minute) // calls l.Done
	defer cancel()
	if l.get() == nil {
		t.Fatal("deriving a context did not arm the handler")
	}
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the derived context")
	}
	if l.Err() == nil {
		t.Error("Err is nil after SIGTERM")
	}
}
