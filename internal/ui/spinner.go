package ui

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// SpinnerDelay is how long an operation runs before the spinner shows.
const SpinnerDelay = 300 * time.Millisecond

// StartSpinner shows msg with a spinner on w once SpinnerDelay has passed,
// when tty is true (never on a pipe or a file). The returned stop clears it.
func StartSpinner(w io.Writer, tty bool, msg string) (stop func()) {
	if !tty {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(SpinnerDelay)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-t.C:
		}
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		tick := time.NewTicker(80 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s %s", frames[i%len(frames)], msg)
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}
