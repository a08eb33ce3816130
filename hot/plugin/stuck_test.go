package hot_plugin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/hot/plugin/internal/testctrl"
)

// stuckFactory builds controllers whose Execute ignores its context: it
// returns only when release is closed.
type stuckFactory struct {
	running chan struct{}
	release chan struct{}
}

func (f *stuckFactory) GetConfigID() string            { return testctrl.ConfigID }
func (f *stuckFactory) ConstructConfig() config.Config { return &testctrl.Config{} }
func (f *stuckFactory) GetVersion() controller.Version { return testctrl.Version }
func (f *stuckFactory) Construct(context.Context, config.Config, controller.ConstructOpts) (controller.Controller, error) {
	return &stuckController{f: f}, nil
}

// stuckController ignores cancellation.
type stuckController struct{ f *stuckFactory }

func (c *stuckController) GetControllerInfo() *controller.Info {
	return controller.NewInfo("hotbus/test/stuck", testctrl.Version, "ignores its context")
}
func (c *stuckController) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}
func (c *stuckController) Execute(context.Context) error {
	c.f.running <- struct{}{}
	<-c.f.release
	return nil
}
func (c *stuckController) Close() error { return nil }

// TestWaitStoppedNamesTheStuckController drops a build whose one controller
// ignores its context: WaitStopped, bounded, says that one controller (not
// two) did not stop, with its controller ID and config ID. Once the
// controller returns, WaitStopped returns on that signal, with no deadline.
func TestWaitStoppedNamesTheStuckController(t *testing.T) {
	b := newBus(t)
	f := &stuckFactory{running: make(chan struct{}, 1), release: make(chan struct{})}
	pluginCtx, drop := context.WithCancel(t.Context())
	res := addPlugin(t, b, pluginCtx, f)
	_, ref, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&testctrl.Config{Name: "s"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	select {
	case <-f.running:
	case <-time.After(wait):
		t.Fatal("the controller never ran")
	}

	drop()
	short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = res.WaitStopped(short)
	var se *hot_plugin.StuckError
	if !errors.As(err, &se) {
		close(f.release)
		t.Fatalf("WaitStopped = %v, want a *StuckError", err)
	}
	if len(se.Controllers) != 1 || se.Controllers[0].ControllerID != "hotbus/test/stuck" ||
		se.Controllers[0].ConfigID != testctrl.ConfigID || !se.Controllers[0].Executing {
		t.Errorf("stuck controllers %+v, want hotbus/test/stuck (%s) in Execute", se.Controllers, testctrl.ConfigID)
	}
	for _, sub := range []string{"1 controller did not stop", "hotbus/test/stuck", testctrl.ConfigID, "still in Execute", "plugin test (version 1.0.0)"} {
		if !strings.Contains(err.Error(), sub) {
			t.Errorf("error %q does not say %q", err, sub)
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q does not wrap the context's error", err)
	}

	close(f.release)
	if err := res.WaitStopped(t.Context()); err != nil {
		t.Fatalf("WaitStopped after the controller returned: %v", err)
	}
}
