package hot_loader_filesystem_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/probe"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestStuckControllerIsNamedAndRecorded swaps out a build whose controller
// ignores its context. The loader waits its stop timeout, then logs that one
// controller (counted right) did not stop, naming its controller ID, config
// ID and build; the new build starts; the manifest records the old build
// as stuck with the controller's name. Go can't stop the goroutine: the
// stuck controller runs until the test releases it.
func TestStuckControllerIsNamedAndRecorded(t *testing.T) {
	stuck := buildPlugin(t, "stuck", uniq(t, "stuck"))
	v2 := buildPlugin(t, "echov2", uniq(t, "echov2"))
	dir := t.TempDir()
	stuckPath := publish(t, stuck, dir, "echo.cbus.so")

	const stopTimeout = 300 * time.Millisecond
	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{StopTimeout: stopTimeout})
	})
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7))
	waitProbe(t, hello, "stuck:hello:7")
	t.Cleanup(func() {
		// Let the stuck controller go, so it ends with the test.
		if _, ref, err := tb.b.AddDirective(probe.NewRelease("hello"), nil); err == nil {
			t.Cleanup(ref.Release)
		}
	})

	swapped := time.Now()
	v2Path := publish(t, v2, dir, "echo-2.cbus.so")
	waitManifest(t, mw, v2Path, hot_manifest.StateLoaded)
	if d := time.Since(swapped); d < stopTimeout {
		t.Errorf("the new build loaded %v after the publish, before the stop timeout (%v) of the stuck one", d, stopTimeout)
	}
	// The stuck controller still answers beside the new build.
	waitProbe(t, hello, "stuck:hello:7", "v2:hello:7")

	name := "hotbus-test/stuck (config hotbus-test/echo, still in Execute)"
	tb.logs.WaitLine(t, waitTimeout, "level=warning", "1 controller of the build did not stop within 300ms", name,
		"binary-id=hotbus-test/echo", "binary-version=stuck", "plugin-path="+stuckPath)
	rec := waitManifest(t, mw, stuckPath, hot_manifest.StateStuck)
	if !slices.Equal(rec.Stuck, []string{name}) {
		t.Errorf("manifest stuck %q, want [%q]", rec.Stuck, name)
	}
	if strings.Contains(tb.logs.String(), "2 controllers") {
		t.Error("the log counts 2 controllers for one")
	}
}
