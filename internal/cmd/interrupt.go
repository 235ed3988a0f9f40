package cmd

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// interruptSignals end a command the same way: Ctrl-C (os.Interrupt) and
// SIGTERM (systemd stop, docker stop, a cancelled CI job). Either one
// cancels the command's context, so every lock and wait is released and
// the command exits 130 (SPEC §7). On Windows, SIGTERM is never delivered;
// naming it is harmless.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// lazyInterruptAnnotation marks a command that may run under a lazily
// armed signal handler (see interruptContext): one that neither prompts,
// nor runs a child, nor leaves anything behind when killed, and that is
// called in loops, so that its start-up matters.
const lazyInterruptAnnotation = "sesame/lazy-interrupt"

// interruptContext is the context a command runs under:
// signal.NotifyContext of interruptSignals.
//
// For a command annotated lazyInterruptAnnotation, NotifyContext is called
// only when something first waits on the context (an HTTP renewal, a fleet
// wait, a lock wait: anything that calls Done): installing the handler
// starts goroutines and an OS thread that a `token show` served from the
// store does not need. Until then a signal ends the process at once, which
// is all a read of the store needs; the store's writes are atomic and its
// locks die with it.
func interruptContext(root *cobra.Command, args []string) (context.Context, func()) {
	if c, _, err := root.Find(args); err == nil && c.Annotations[lazyInterruptAnnotation] == "true" {
		l := &lazyInterrupt{}
		return l, l.stop
	}
	return signal.NotifyContext(context.Background(), interruptSignals...)
}

// lazyInterrupt is context.Background until its first Done, and from then
// on signal.NotifyContext's context: the one method it adds to the
// standard library's pieces is that switch.
type lazyInterrupt struct {
	mu     sync.Mutex
	armed  context.Context
	cancel context.CancelFunc
}

func (l *lazyInterrupt) Deadline() (time.Time, bool) { return time.Time{}, false }

func (l *lazyInterrupt) get() context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.armed
}

// Done arms the handler (once) and returns the armed context's channel.
func (l *lazyInterrupt) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.armed == nil {
		l.armed, l.cancel = signal.NotifyContext(context.Background(), interruptSignals...)
	}
	return l.armed.Done()
}

func (l *lazyInterrupt) Err() error {
	if c := l.get(); c != nil {
		return c.Err()
	}
	return nil
}

// Value answers like the armed context, so that context.WithCancel and
// friends find its cancelCtx and need no watching goroutine.
func (l *lazyInterrupt) Value(key any) any {
	if c := l.get(); c != nil {
		return c.Value(key)
	}
	return nil
}

func (l *lazyInterrupt) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
	}
}
