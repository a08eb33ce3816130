package hot_plugin

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
)

// trackedController wraps a controller built by a plugin's factory: it is
// counted in the plugin's live set from construction until it is closed and
// out of Execute, and panics in its methods become errors instead of taking
// the host down.
type trackedController struct {
	controller.Controller
	r     *Resolver
	close sync.Once
}

// newTrackedController wraps ctrl and adds it to r's live set.
func newTrackedController(ctrl controller.Controller, r *Resolver) *trackedController {
	r.live.add()
	return &trackedController{Controller: ctrl, r: r}
}

// Unwrap returns the controller the plugin's factory built.
func (c *trackedController) Unwrap() controller.Controller {
	return c.Controller
}

// HandleDirective forwards to the controller; a panic is returned as an error.
func (c *trackedController) HandleDirective(ctx context.Context, di directive.Instance) (res []directive.Resolver, err error) {
	defer c.recoverTo(&err, "HandleDirective")
	return c.Controller.HandleDirective(ctx, di)
}

// Execute forwards to the controller; a panic is returned as an error, so
// controllerbus retries with backoff.
func (c *trackedController) Execute(ctx context.Context) (err error) {
	c.r.live.add()
	defer c.r.live.done()
	c.r.markExecuting()
	defer c.recoverTo(&err, "Execute")
	return c.Controller.Execute(ctx)
}

// Close forwards to the controller once and removes it from the live set.
func (c *trackedController) Close() (err error) {
	c.close.Do(func() {
		defer c.r.live.done()
		defer c.recoverTo(&err, "Close")
		err = c.Controller.Close()
	})
	return err
}

// recoverTo turns a panic into *err, naming the plugin and the method.
func (c *trackedController) recoverTo(err *error, method string) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("plugin %s: controller %s: %s panicked: %v\n%s",
			c.r.id, c.GetControllerInfo().GetId(), method, p, debug.Stack())
	}
}

// liveSet counts the controllers of a plugin that have not stopped yet.
type liveSet struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

// add counts one more.
func (l *liveSet) add() {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
}

// done counts one less, waking waiters at zero.
func (l *liveSet) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n--
	if l.n == 0 && l.idle != nil {
		close(l.idle)
		l.idle = nil
	}
}

// wait returns when the count is zero or ctx ends.
func (l *liveSet) wait(ctx context.Context) error {
	l.mu.Lock()
	if l.n == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.idle == nil {
		l.idle = make(chan struct{})
	}
	idle, n := l.idle, l.n
	l.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%d controllers still running: %w", n, context.Cause(ctx))
	}
}

// _ is a type assertion
var _ controller.Controller = ((*trackedController)(nil))
