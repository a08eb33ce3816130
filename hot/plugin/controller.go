package hot_plugin

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
)

// trackedController wraps a controller built by a plugin's factory: it is
// in the plugin's live set from construction until it is closed and out of
// Execute, and panics in its methods become errors instead of taking the
// host down.
type trackedController struct {
	controller.Controller
	r        *Resolver
	configID string
	close    sync.Once
}

// newTrackedController wraps ctrl, built for configID, and adds it to r's
// live set.
func newTrackedController(ctrl controller.Controller, r *Resolver, configID string) *trackedController {
	c := &trackedController{Controller: ctrl, r: r, configID: configID}
	r.live.add(c)
	return c
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
	c.r.live.enter(c)
	defer c.r.live.exit(c)
	c.r.markExecuting()
	defer c.recoverTo(&err, "Execute")
	return c.Controller.Execute(ctx)
}

// Close forwards to the controller once and marks it closed in the live set.
func (c *trackedController) Close() (err error) {
	c.close.Do(func() {
		defer c.r.live.closed(c)
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

// StuckController is a controller that did not stop in time: still in
// Execute after its context was canceled, or not closed yet.
type StuckController struct {
	// ControllerID is the controller's ID (GetControllerInfo).
	ControllerID string
	// ConfigID is the config ID it was built for.
	ConfigID string
	// Executing is set if it is still in Execute.
	Executing bool
}

// String names the controller, its config ID and what it is stuck in.
func (s StuckController) String() string {
	where := "not closed"
	if s.Executing {
		where = "still in Execute"
	}
	return fmt.Sprintf("%s (config %s, %s)", s.ControllerID, s.ConfigID, where)
}

// StuckError is returned by Resolver.WaitStopped when controllers of the
// build have not stopped when its context ends.
type StuckError struct {
	// BinaryID and BinaryVersion name the build.
	BinaryID, BinaryVersion string
	// Controllers are the controllers that have not stopped, sorted.
	Controllers []StuckController
	// Err is the context's error.
	Err error
}

// Error counts and names the controllers that have not stopped.
func (e *StuckError) Error() string {
	names := make([]string, len(e.Controllers))
	for i, c := range e.Controllers {
		names[i] = c.String()
	}
	n := "1 controller"
	if len(names) != 1 {
		n = fmt.Sprintf("%d controllers", len(names))
	}
	return fmt.Sprintf("plugin %s (version %s): %s did not stop: %s: %v",
		e.BinaryID, e.BinaryVersion, n, strings.Join(names, ", "), e.Err)
}

// Unwrap returns the context's error.
func (e *StuckError) Unwrap() error {
	return e.Err
}

// liveSet holds the controllers of a plugin that have not stopped yet.
type liveSet struct {
	mu sync.Mutex
	// live maps each controller to how often it is in Execute.
	live map[*trackedController]*liveState
	idle chan struct{}
}

// liveState is what the live set knows of one controller.
type liveState struct {
	executing int
	closed    bool
}

// add adds a constructed controller.
func (l *liveSet) add(c *trackedController) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil {
		l.live = make(map[*trackedController]*liveState)
	}
	if l.live[c] == nil {
		l.live[c] = &liveState{}
	}
}

// enter records that c entered Execute.
func (l *liveSet) enter(c *trackedController) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.live[c]; st != nil {
		st.executing++
	}
}

// exit records that c returned from Execute.
func (l *liveSet) exit(c *trackedController) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.live[c]; st != nil {
		st.executing--
		l.settleLocked(c, st)
	}
}

// closed records that c was closed.
func (l *liveSet) closed(c *trackedController) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.live[c]; st != nil {
		st.closed = true
		l.settleLocked(c, st)
	}
}

// settleLocked removes c once it is closed and out of Execute, waking
// waiters when none is left.
func (l *liveSet) settleLocked(c *trackedController, st *liveState) {
	if !st.closed || st.executing > 0 {
		return
	}
	delete(l.live, c)
	if len(l.live) == 0 && l.idle != nil {
		close(l.idle)
		l.idle = nil
	}
}

// wait returns when no controller is left, or, when ctx ends, a
// *StuckError naming those left.
func (l *liveSet) wait(ctx context.Context, binaryID, binaryVersion string) error {
	l.mu.Lock()
	if len(l.live) == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.idle == nil {
		l.idle = make(chan struct{})
	}
	idle := l.idle
	l.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.live) == 0 {
		return nil
	}
	e := &StuckError{BinaryID: binaryID, BinaryVersion: binaryVersion, Err: context.Cause(ctx)}
	for c, st := range l.live {
		e.Controllers = append(e.Controllers, StuckController{
			ControllerID: controllerID(c),
			ConfigID:     c.configID,
			Executing:    st.executing > 0,
		})
	}
	slices.SortFunc(e.Controllers, func(a, b StuckController) int {
		return strings.Compare(a.String(), b.String())
	})
	return e
}

// controllerID returns c's controller ID; a panic in GetControllerInfo
// gives "(unknown)".
func controllerID(c *trackedController) (id string) {
	defer func() {
		if recover() != nil {
			id = "(unknown)"
		}
	}()
	return c.GetControllerInfo().GetId()
}

// _ is a type assertion
var _ controller.Controller = ((*trackedController)(nil))
