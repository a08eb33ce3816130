package hot_loader_process_test

import (
	"context"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// greeter resolves fixture.LookupGreeting on the host bus.
type greeter struct{}

// GetControllerInfo describes the greeter.
func (greeter) GetControllerInfo() *controller.Info {
	return &controller.Info{Id: "hotbus/loader/process/test-greeter", Version: "0.0.1"}
}

// HandleDirective resolves LookupGreeting with "hello <who>".
func (greeter) HandleDirective(_ context.Context, di directive.Instance) ([]directive.Resolver, error) {
	d, ok := di.GetDirective().(*fixture.LookupGreeting)
	if !ok {
		return nil, nil
	}
	return []directive.Resolver{directive.NewValueResolver([]*fixture.Greeting{{Text: "hello " + d.GetWho()}})}, nil
}

// Execute waits for ctx.
func (greeter) Execute(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Close does nothing.
func (greeter) Close() error { return nil }

// TestDirectivesCrossOnlyWhenTheHostResolvesThem runs the fixture
// controller, which looks up LookupGreeting (a directive.Networked that
// nothing in the child resolves), in a child of the process loader: with
// the directive registered (NewFactoryWithDirectives) it crosses to the
// host bus and the host's value comes back; without, the lookup fails at
// once in the child, with an error naming the directive, which reaches the
// host's log.
func TestDirectivesCrossOnlyWhenTheHostResolvesThem(t *testing.T) {
	built := buildChild(t, "v1", "")
	for _, tc := range []struct {
		name       string
		directives []func() directive.Networked
		line       []string
	}{
		{"registered", []func() directive.Networked{func() directive.Networked { return &fixture.LookupGreeting{} }},
			[]string{"fixture looked up", "greeting=\"hello bob\"", "binary-id=process-fixture"}},
		{"not registered", nil,
			[]string{"fixture lookup failed", "directive-name=LookupGreeting", "the host does not resolve directive LookupGreeting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := publish(t, built, dir, "fixture"+hot_manifest.ProcessSuffix, time.Now().Add(-time.Hour))
			tb := newTestBus(t, hot_loader_process.TestOptions{Directives: tc.directives})
			if _, err := tb.Bus.Bus.AddController(tb.Ctx, greeter{}, nil); err != nil {
				t.Fatal(err)
			}
			mw := tb.watchManifest(t, dir)
			tb.startLoader(t, dir, "{name: greets, greet: bob}")
			mw.waitState(t, path, hot_manifest.StateLoaded)
			tb.logs.WaitLine(t, waitTimeout, tc.line...)
		})
	}
}
