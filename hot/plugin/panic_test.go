package hot_plugin_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/hot/plugin/internal/testctrl"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// panicky is a factory for testctrl.Config whose Construct panics for the
// first constructPanics calls, and whose controllers' Execute panics for
// the first executePanics calls (over all its controllers); after that a
// controller reports "running" and waits for its context.
type panicky struct {
	constructPanics, executePanics int32
	constructs, executes           atomic.Int32
	running                        chan string
}

func (f *panicky) GetConfigID() string            { return testctrl.ConfigID }
func (f *panicky) ConstructConfig() config.Config { return &testctrl.Config{} }
func (f *panicky) GetVersion() controller.Version { return testctrl.Version }
func (f *panicky) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (controller.Controller, error) {
	if f.constructs.Add(1) <= f.constructPanics {
		panic("panicky: Construct fails on purpose")
	}
	return &panickyController{f: f, name: conf.(*testctrl.Config).GetName()}, nil
}

// panickyController is built by panicky.
type panickyController struct {
	f    *panicky
	name string
}

func (c *panickyController) GetControllerInfo() *controller.Info {
	return controller.NewInfo(testctrl.ConfigID, testctrl.Version, "panicky")
}

func (c *panickyController) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

func (c *panickyController) Execute(ctx context.Context) error {
	if c.f.executes.Add(1) <= c.f.executePanics {
		panic("panicky: Execute fails on purpose")
	}
	c.f.running <- c.name
	<-ctx.Done()
	return nil
}

func (c *panickyController) Close() error { return nil }

// logHook collects log messages with their error field.
type logHook struct {
	mu    sync.Mutex
	lines []string
}

func (h *logHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *logHook) Fire(e *logrus.Entry) error {
	line := e.Message
	if err, ok := e.Data[logrus.ErrorKey].(error); ok {
		line += ": " + err.Error()
	}
	h.mu.Lock()
	h.lines = append(h.lines, line)
	h.mu.Unlock()
	return nil
}

// text returns the log.
func (h *logHook) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.lines, "\n")
}

// count returns how many lines contain every one of subs.
func (h *logHook) count(subs ...string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, l := range h.lines {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(l, s)
		}
		if all {
			n++
		}
	}
	return n
}

// TestPanicsOnARealBus runs a plugin factory whose Construct panics once
// and whose controller's Execute then panics once, on a real controllerbus
// core bus: each panic becomes an error naming the plugin, the config ID
// and the method, is logged, and controllerbus retries with backoff; the
// next try runs. The host process and its bus keep going throughout.
func TestPanicsOnARealBus(t *testing.T) {
	hook := &logHook{}
	b := testutil.NewBus(t, testutil.Logger(io.Discard, hook), time.Minute).Bus
	f := &panicky{constructPanics: 1, executePanics: 1, running: make(chan string, 1)}
	addPlugin(t, b, t.Context(), f)

	start := time.Now()
	_, ref, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&testctrl.Config{Name: "retried"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	select {
	case name := <-f.running:
		if name != "retried" {
			t.Fatalf("running %q, want retried", name)
		}
	case <-time.After(wait):
		t.Fatalf("the controller never ran: %d constructs, %d executes; log:\n%s",
			f.constructs.Load(), f.executes.Load(), hook.text())
	}
	if c, e := f.constructs.Load(), f.executes.Load(); c != 2 || e != 2 {
		t.Errorf("%d constructs and %d executes, want 2 and 2", c, e)
	}
	// controllerbus waits about 100 ms, then 1.8 times longer, before
	// each retry.
	t.Logf("two panics, two retries with backoff: running after %v", time.Since(start).Round(time.Millisecond))

	if n := hook.count("controller exited with error", "plugin test: controller "+testctrl.ConfigID+": Execute panicked", "Execute fails on purpose"); n != 1 {
		t.Errorf("%d log lines for the Execute panic, want 1; log:\n%s", n, hook.text())
	}
	if n := hook.count("controller construct failed", "plugin test (version 1.0.0): construct "+testctrl.ConfigID+": panic", "Construct fails on purpose"); n != 1 {
		t.Errorf("%d log lines for the Construct panic, want 1; log:\n%s", n, hook.text())
	}
}

var _ controller.Factory = ((*panicky)(nil))
var _ hot_plugin.ControllerTracker = ((*hot_plugin.Resolver)(nil))
