package cmd

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

// lazyInterruptAnnotation marks a command that may run under a lazily
// armed Ctrl-C handler (see interruptContext): one that neither prompts,
// nor runs a child, nor leaves anything behind when killed, and that is
// called in loops, so that its start-up matters.
const lazyInterruptAnnotation = "sesame/lazy-interrupt"

// interruptContext is the context a command runs under: cancelled by
// Ctrl-C (os.Interrupt), like signal.NotifyContext.
//
// For a command annotated lazyInterruptAnnotation the handler is installed
// only when something first waits on the context (an HTTP renewal calls
// Done): installing it starts two goroutines and an OS thread, about a
// millisecond of a `token show` that otherwise takes five (go run ./bench).
// Until then Ctrl-C ends the process at once, which is all a read of the
// store needs; the store's writes are atomic and its locks die with it.
func interruptContext(root *cobra.Command, args []string) (context.Context, func()) {
	if c, _, err := root.Find(args); err == nil && c.Annotations[lazyInterruptAnnotation] == "true" {
		l := &lazyInterrupt{}
		return l, l.stop
	}
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// lazyInterrupt is a context that becomes signal.NotifyContext's on first
// Done; until then it is context.Background.
type lazyInterrupt struct {
	once   sync.Once
	armed  atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
}

var _ context.Context = (*lazyInterrupt)(nil)

func (l *lazyInterrupt) arm() context.Context {
	l.once.Do(func() {
		l.ctx, l.cancel = signal.NotifyContext(context.Background(), os.Interrupt)
		l.armed.Store(true)
	})
	return l.ctx
}

func (l *lazyInterrupt) Deadline() (time.Time, bool) { return time.Time{}, false }

func (l *lazyInterrupt) Done() <-chan struct{} { return l.arm().Done() }

func (l *lazyInterrupt) Err() error {
	if !l.armed.Load() {
		return nil
	}
	return l.ctx.Err()
}

// Value answers like the armed context, so that context.WithCancel and
// friends find its cancelCtx and need no watching goroutine.
func (l *lazyInterrupt) Value(key any) any {
	if !l.armed.Load() {
		return nil
	}
	return l.ctx.Value(key)
}

func (l *lazyInterrupt) stop() {
	if l.armed.Load() {
		l.cancel()
	}
}
