package hot_plugin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aperturerobotics/controllerbus/controller"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/hot/plugin/internal/testctrl"
)

// TestControllerErrorsAreReported checks that a config the build rejects and
// a Construct that fails each reach the OnControllerError callback, every
// time, as a ControllerError naming the build and the config ID.
func TestControllerErrorsAreReported(t *testing.T) {
	ctx := t.Context()
	f := testctrl.NewFactory(nil)
	f.Panic = true
	res, err := hot_plugin.NewResolver(ctx, "test", "1.2.3", []controller.Factory{f})
	if err != nil {
		t.Fatal(err)
	}
	var got []*hot_plugin.ControllerError
	res.OnControllerError(func(e *hot_plugin.ControllerError) { got = append(got, e) })

	// Validate rejects a config without a name: twice, reported twice.
	for range 2 {
		if _, err := res.GetFactoryMatchingConfig(ctx, &testctrl.Config{}); err == nil {
			t.Fatal("GetFactoryMatchingConfig of an invalid config: no error")
		}
	}
	conf := &testctrl.Config{Name: "a"}
	wrapped, err := res.GetFactoryMatchingConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrapped.Construct(ctx, conf, controller.ConstructOpts{}); err == nil {
		t.Fatal("Construct of a panicking factory: no error")
	}

	want := []struct{ op, text string }{
		{hot_plugin.OpConfig, "name must be set"},
		{hot_plugin.OpConfig, "name must be set"},
		{hot_plugin.OpConstruct, "construct panics on purpose"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d reports, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		if e.Op != w.op || e.ConfigID != testctrl.ConfigID || e.BinaryID != "test" || e.BinaryVersion != "1.2.3" {
			t.Errorf("report %d = %+v, want op %s for %s of test 1.2.3", i, e, w.op, testctrl.ConfigID)
		}
		msg := e.Error()
		for _, sub := range []string{"test", "1.2.3", testctrl.ConfigID, w.text} {
			if !strings.Contains(msg, sub) {
				t.Errorf("report %d %q does not name %q", i, msg, sub)
			}
		}
		var ce *hot_plugin.ControllerError
		if !errors.As(error(e), &ce) || errors.Unwrap(e) == nil {
			t.Errorf("report %d does not unwrap to the controller's error", i)
		}
	}
}
