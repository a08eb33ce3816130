package hot_cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// NotifyContext returns a context that is canceled on the first of sigs
// (default: os.Interrupt and SIGTERM), so a command can stop in order, and
// a stop function that ends the handling. On a second signal before stop,
// it writes a line to w and calls exit with 128 plus the signal's number
// (the shell's convention), without waiting for anything.
func NotifyContext(parent context.Context, w io.Writer, exit func(code int), sigs ...os.Signal) (context.Context, context.CancelFunc) {
	if len(sigs) == 0 {
		sigs = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-ch:
			fmt.Fprintf(w, "hot-builder: second %v: exiting at once, without waiting for controllers to stop\n", sig)
			code := 1
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			exit(code)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
		})
		cancel()
	}
}
