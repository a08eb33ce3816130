package hot_ipc

import (
	"context"
	"sync"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
)

// tracker lets an Exec call in the child wait until the controller built
// from its config has returned from Execute, so the host's Exec (and
// Close) return only once the child controller has stopped.
type tracker struct {
	mu      sync.Mutex
	stopped map[config.Config]chan struct{}
}

// newTracker makes a tracker.
func newTracker() *tracker {
	return &tracker{stopped: make(map[config.Config]chan struct{})}
}

// watch registers conf; the channel is closed when the controller built
// from it returns from Execute.
func (t *tracker) watch(conf config.Config) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan struct{})
	t.stopped[conf] = ch
	return ch
}

// forget drops conf.
func (t *tracker) forget(conf config.Config) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.stopped, conf)
}

// executed reports that the controller built from conf returned from Execute.
func (t *tracker) executed(conf config.Config) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch, ok := t.stopped[conf]; ok {
		close(ch)
		delete(t.stopped, conf)
	}
}

// trackedFactory wraps a factory so that its controllers report the end
// of Execute to the tracker.
type trackedFactory struct {
	controller.Factory
	t *tracker
}

// Construct constructs the controller and wraps it.
func (f *trackedFactory) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (controller.Controller, error) {
	ctrl, err := f.Factory.Construct(ctx, conf, opts)
	if err != nil || ctrl == nil {
		return ctrl, err
	}
	return &trackedController{Controller: ctrl, conf: conf, t: f.t}, nil
}

// trackedController is a controller whose Execute end is tracked. It
// forwards everything else to the controller it wraps.
type trackedController struct {
	controller.Controller
	conf config.Config
	t    *tracker
}

// Execute runs the wrapped controller's Execute and reports its end.
func (c *trackedController) Execute(ctx context.Context) error {
	defer c.t.executed(c.conf)
	return c.Controller.Execute(ctx)
}

// _ is a type assertion
var (
	_ controller.Factory    = ((*trackedFactory)(nil))
	_ controller.Controller = ((*trackedController)(nil))
)
