package hot_ipc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
)

// greeter resolves fixture.LookupGreeting on the host bus.
type greeter struct{}

// GetControllerInfo describes the greeter.
func (greeter) GetControllerInfo() *controller.Info {
	return &controller.Info{Id: "hotbus/ipc/test-greeter", Version: "0.0.1"}
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

// newHostBus makes a host bus with the greeter on it.
func newHostBus(t *testing.T, f *host) bus.Bus {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, _, err := core.NewCoreBus(ctx, f.le)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddController(ctx, greeter{}, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

// runFixture execs the fixture controller with configJSON until the test ends.
func runFixture(t *testing.T, c *hot_ipc.Child, configJSON string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	statuses, done := execAsync(ctx, c, fixture.ConfigID, configJSON)
	t.Cleanup(func() {
		cancel()
		if err := waitDone(t, done); err != nil {
			t.Errorf("Exec: %v", err)
		}
	})
	waitStatus(t, statuses, done, controller_exec.ControllerStatus_ControllerStatus_RUNNING)
}

func TestDirectiveCrossesToHost(t *testing.T) {
	f := newHost(t)
	cfg := f.config()
	cfg.HostBus = newHostBus(t, f)
	cfg.Directives = []func() directive.Networked{func() directive.Networked { return &fixture.LookupGreeting{} }}
	c, err := hot_ipc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	runFixture(t, c, `{"name":"a","greet":"bob"}`)
	f.hook.wait(t, "fixture looked up", map[string]string{"greeting": "hello bob", "binary-id": "ipc-fixture"})
}

func TestDirectiveNotRegisteredOnHost(t *testing.T) {
	f := newHost(t)
	cfg := f.config()
	cfg.HostBus = newHostBus(t, f) // resolves LookupGreeting, but it is not in cfg.Directives
	c, err := hot_ipc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	runFixture(t, c, `{"name":"a","greet":"bob"}`)
	e := f.hook.wait(t, "fixture lookup failed", map[string]string{"directive-name": "LookupGreeting", "binary-id": "ipc-fixture"})
	want := "the host does not resolve directive LookupGreeting for children: add its type to hot_ipc.StartConfig.Directives"
	if msg := e.Data["error"]; !containsString(msg, want) {
		t.Fatalf("lookup error = %v, want it to contain %q", msg, want)
	}
}

func TestDirectiveThatCannotCross(t *testing.T) {
	f := newHost(t)
	c := f.start(t)
	runFixture(t, c, `{"name":"a","askSecret":true}`)
	e := f.hook.wait(t, "directive cannot cross to the host", map[string]string{"binary-id": "ipc-fixture"})
	want := "*fixture.LookupSecret is directive.Networked but has no NewNetworkedValue"
	if msg := e.Data["error"]; !containsString(msg, want) {
		t.Fatalf("child error = %v, want it to contain %q", msg, want)
	}
	f.hook.wait(t, "fixture lookup failed", map[string]string{"directive-name": "LookupSecret"})
}

// containsString reports whether v is a string containing sub.
func containsString(v any, sub string) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, sub)
}
