package hot_plugin_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/hot/plugin/internal/testctrl"
	"github.com/hotbus/hotbus/internal/testutil"
)

// wait bounds every wait on a signal; it is a deadline, not a sleep.
const wait = 10 * time.Second

func TestResolverFindsFactories(t *testing.T) {
	ctx := t.Context()
	events := make(chan testctrl.Event, 8)
	res, err := hot_plugin.NewResolver(ctx, "test", "1.0.0",
		[]controller.Factory{nil, testctrl.NewFactory(events)})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.GetConfigIDs(); len(got) != 1 || got[0] != testctrl.ConfigID {
		t.Fatalf("GetConfigIDs() = %v, want [%s]", got, testctrl.ConfigID)
	}

	f, err := res.GetFactoryMatchingConfig(ctx, &testctrl.Config{Name: "a"})
	if err != nil || f == nil {
		t.Fatalf("GetFactoryMatchingConfig(known) = %v, %v; want a factory", f, err)
	}
	if _, ok := f.(controller.FactoryWithContext); !ok {
		t.Fatalf("factory %T does not carry the plugin context", f)
	}
	ctor, err := res.GetConfigCtorByID(ctx, testctrl.ConfigID)
	if err != nil || ctor == nil || ctor.GetConfigID() != testctrl.ConfigID {
		t.Fatalf("GetConfigCtorByID(known) = %v, %v", ctor, err)
	}
}

func TestResolverReturnsUntypedNilForUnknownConfig(t *testing.T) {
	ctx := t.Context()
	res, err := hot_plugin.NewResolver(ctx, "test", "1.0.0", []controller.Factory{testctrl.NewFactory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	unknown := &otherConfig{}
	f, err := res.GetFactoryMatchingConfig(ctx, unknown)
	if err != nil || f != nil {
		t.Fatalf("GetFactoryMatchingConfig(unknown) = %#v, %v; want nil, nil", f, err)
	}
	ctor, err := res.GetConfigCtorByID(ctx, "no/such/id")
	if err != nil || ctor != nil {
		t.Fatalf("GetConfigCtorByID(unknown) = %#v, %v; want nil, nil", ctor, err)
	}
}

func TestResolverHandsOutNothingAfterDrop(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	res, err := hot_plugin.NewResolver(ctx, "test", "1.0.0", []controller.Factory{testctrl.NewFactory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if f, err := res.GetFactoryMatchingConfig(t.Context(), &testctrl.Config{Name: "a"}); f != nil || err != nil {
		t.Fatalf("after drop: GetFactoryMatchingConfig = %#v, %v; want nil, nil", f, err)
	}
}

func TestResolverRejectsDuplicateConfigIDs(t *testing.T) {
	_, err := hot_plugin.NewResolver(t.Context(), "test", "1.0.0",
		[]controller.Factory{testctrl.NewFactory(nil), testctrl.NewFactoryV2(nil)})
	if err == nil || !strings.Contains(err.Error(), testctrl.ConfigID) {
		t.Fatalf("NewResolver with two factories for one ID: err = %v", err)
	}
}

func TestDroppingThePluginStopsItsControllers(t *testing.T) {
	b := newBus(t)
	events := make(chan testctrl.Event, 8)
	pluginCtx, drop := context.WithCancel(t.Context())
	res := addPlugin(t, b, pluginCtx, testctrl.NewFactory(events))

	_, ref, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&testctrl.Config{Name: "a", Count: 1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	expect(t, events, testctrl.Event{Build: "v1", Kind: "start", Name: "a", Count: 1})
	select {
	case <-res.Executing():
	default:
		t.Fatal("Executing() is not closed after a controller started")
	}

	drop()
	expect(t, events, testctrl.Event{Build: "v1", Kind: "stop", Name: "a", Count: 1})
	waitCtx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := res.WaitStopped(waitCtx); err != nil {
		t.Fatalf("WaitStopped: %v", err)
	}
}

// TestSwapCarriesConfigToTheNewBuild does what the loader does on a reload:
// drop the old build, wait for its controllers, add the new build. The
// directive made with the old build's config type must come back running
// on the new build, with the config converted.
func TestSwapCarriesConfigToTheNewBuild(t *testing.T) {
	b := newBus(t)
	events := make(chan testctrl.Event, 8)
	v1Ctx, dropV1 := context.WithCancel(t.Context())
	v1 := addPlugin(t, b, v1Ctx, testctrl.NewFactory(events))

	_, ref, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&testctrl.Config{Name: "carried", Count: 7}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	expect(t, events, testctrl.Event{Build: "v1", Kind: "start", Name: "carried", Count: 7})

	dropV1()
	waitCtx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	if err := v1.WaitStopped(waitCtx); err != nil {
		t.Fatalf("WaitStopped: %v", err)
	}
	expect(t, events, testctrl.Event{Build: "v1", Kind: "stop", Name: "carried", Count: 7})

	addPlugin(t, b, t.Context(), testctrl.NewFactoryV2(events))
	expect(t, events, testctrl.Event{Build: "v2", Kind: "start", Name: "carried", Count: 7})
}

func TestConstructPanicIsAnError(t *testing.T) {
	ctx := t.Context()
	f := testctrl.NewFactory(nil)
	f.Panic = true
	res, err := hot_plugin.NewResolver(ctx, "test", "1.0.0", []controller.Factory{f})
	if err != nil {
		t.Fatal(err)
	}
	conf := &testctrl.Config{Name: "a"}
	wrapped, err := res.GetFactoryMatchingConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrapped.Construct(ctx, conf, controller.ConstructOpts{})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("Construct of a panicking factory: err = %v, want a panic error", err)
	}
}

// newBus builds a real controllerbus core bus for the test, logging to
// t.Log; it stops at the end of the test.
func newBus(t *testing.T) bus.Bus {
	t.Helper()
	return testutil.NewBus(t, testutil.Logger(testutil.LogWriter(t)), time.Minute).Bus
}

// addPlugin puts a plugin resolver over factories on the bus, as the loader
// does, and returns the resolver.
func addPlugin(t *testing.T, b bus.Bus, ctx context.Context, factories ...controller.Factory) *hot_plugin.Resolver {
	t.Helper()
	plug := hot_plugin.NewStaticPlugin("test", "1.0.0", func(bus.Bus) []controller.Factory { return factories })
	fr, err := plug.NewHotResolver(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	ctrl := resolver.NewController(testutil.Logger(testutil.LogWriter(t)), b, fr)
	release, err := b.AddController(t.Context(), ctrl, nil)
	if err != nil {
		t.Fatal(err)
	}
	context.AfterFunc(ctx, func() {
		b.RemoveController(ctrl)
		_ = ctrl.Close()
		release()
	})
	return fr.(*hot_plugin.Resolver)
}

// expect waits for the next event and checks it.
func expect(t *testing.T, events <-chan testctrl.Event, want testctrl.Event) {
	t.Helper()
	select {
	case got := <-events:
		if got != want {
			t.Fatalf("event = %+v, want %+v", got, want)
		}
	case <-time.After(wait):
		t.Fatalf("no event within %s, want %+v", wait, want)
	}
}

func TestSeedGeneratedCodeShapeCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks a package with the go command")
	}
	cmd := exec.CommandContext(t.Context(), "go", "vet", "-tags", hot_plugin.BuildTag, "./testdata/seedshape")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the seed's generated code shape does not compile against hot_plugin: %v\n%s", err, out)
	}
}
