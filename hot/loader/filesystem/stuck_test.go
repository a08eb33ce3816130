package hot_loader_filesystem_test

import (
	"path/filepath"
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

// TestStuckControllerExitingLaterIsRecorded swaps out a build whose
// controller ignores its context, as above, then lets that controller
// return: the loader, which waited for it in the background, logs at info
// that it exited at last (its controller and config IDs, the build, how
// long after the drop), and the old build's record loses Stuck and becomes
// what the swap made it, superseded, in the WatchManifest value and in the
// manifest file. Then the loader stops cleanly.
func TestStuckControllerExitingLaterIsRecorded(t *testing.T) {
	stuck := buildPlugin(t, "stuck", uniq(t, "stuck"))
	v2 := buildPlugin(t, "echov2", uniq(t, "echov2"))
	dir := t.TempDir()
	stuckPath := publish(t, stuck, dir, "echo.cbus.so")

	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{StopTimeout: 100 * time.Millisecond})
	})
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7))
	waitProbe(t, hello, "stuck:hello:7")

	publish(t, v2, dir, "echo-2.cbus.so")
	name := "hotbus-test/stuck (config hotbus-test/echo, still in Execute)"
	rec := waitManifest(t, mw, stuckPath, hot_manifest.StateStuck)
	if !slices.Equal(rec.Stuck, []string{name}) {
		t.Fatalf("manifest stuck %q, want [%q]", rec.Stuck, name)
	}
	waitProbe(t, hello, "stuck:hello:7", "v2:hello:7")
	if strings.Contains(tb.logs.String(), "exited at last") {
		t.Fatal("the stuck controller was logged as exited before it was released")
	}

	// The stuck controller returns from Execute.
	_, ref, err := tb.b.AddDirective(probe.NewRelease("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	rec = waitRecord(t, mw, "the stuck build superseded, Stuck cleared", stuckPath, func(p hot_manifest.Plugin) bool {
		return p.State == hot_manifest.StateSuperseded
	})
	if len(rec.Stuck) != 0 {
		t.Errorf("record after the stuck controller exited: stuck %q, want none", rec.Stuck)
	}
	tb.logs.WaitLine(t, waitTimeout, "level=info", "stuck controller exited at last",
		"hotbus-test/stuck (config hotbus-test/echo) returned from Execute",
		"controller-ids=\"[hotbus-test/stuck]\"", "config-ids=\"[hotbus-test/echo]\"",
		"binary-id=hotbus-test/echo", "binary-version=stuck", "plugin-path="+stuckPath, "after-drop=")
	waitProbe(t, hello, "v2:hello:7")

	// The file says so too: it is written before watchers are told.
	m, err := hot_manifest.ReadFile(filepath.Join(dir, hot_manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Find(stuckPath); p == nil || p.State != hot_manifest.StateSuperseded || len(p.Stuck) != 0 {
		t.Errorf("manifest file record of %s: %+v, want superseded without stuck", stuckPath, p)
	}

	tb.stop(t)
}
