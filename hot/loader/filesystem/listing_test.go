package hot_loader_filesystem_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/fsnotify/fsnotify"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestFailedListingChangesNothing makes listing the plugins dir fail (as
// EMFILE does) while a plugin runs and a new one is published: the error is
// logged at error level, the running controller and the manifest are left
// alone, and once listing works again the loader scans again by itself
// (no new event needed) and loads the new plugin.
func TestFailedListingChangesNothing(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	other := buildPlugin(t, "other", uniq(t, "other"))
	dir := t.TempDir()
	echoPath := publish(t, v1, dir, "echo.cbus.so")

	var failing atomic.Bool
	readDir := func(name string) ([]os.DirEntry, error) {
		if failing.Load() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
		}
		return os.ReadDir(name)
	}
	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{ReadDir: readDir})
	})
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7))
	waitProbe(t, hello, "v1:hello:7")
	waitManifest(t, mw, echoPath, hot_manifest.StateLoaded)

	failing.Store(true)
	otherPath := publish(t, other, dir, "other.cbus.so")
	tb.logs.WaitLine(t, waitTimeout, "level=error", "could not list the plugins dir; nothing was changed", "too many open files")
	failing.Store(false)

	waitManifest(t, mw, otherPath, hot_manifest.StateLoaded)
	if hist, _ := hello.history(); len(hist) != 1 || hist[0] != "+v1:hello:7" {
		t.Errorf("probe history %v: the running controller must not stop", hist)
	}
	if rec := waitManifest(t, mw, echoPath, hot_manifest.StateLoaded); rec.Error != "" {
		t.Errorf("echo record %+v after the failed listing", rec)
	}
	if strings.Contains(tb.logs.String(), "plugin file removed") {
		t.Error("a failed listing removed a plugin")
	}
}

// TestDroppedBuildLogsNothingMore loads a compiler-made build (its build
// manifest has a trigger) that no config uses, and removes it before the
// reload line's wait ends: the dropped build logs nothing more. A second
// such build, loaded after the drop, logs its "no controller started"
// line, which would have come after the first build's.
func TestDroppedBuildLogsNothingMore(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	other := buildPlugin(t, "other", uniq(t, "other"))
	dir := t.TempDir()
	// The drop must come within this wait, the file event's debounce
	// included: 3 s leaves room for a loaded machine, where 500 ms left little.
	const wait = 3 * time.Second
	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{StopTimeout: wait})
	})
	mw := watchManifest(t, tb, dir)
	tb.startLoader(t, dir, true)

	echoPath := publishWithTrigger(t, v1, dir, "echo.cbus.so", "hotbus-test/echo")
	waitManifest(t, mw, echoPath, hot_manifest.StateLoaded)
	for _, p := range []string{echoPath, hot_manifest.BuildPath(echoPath)} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	waitManifest(t, mw, echoPath, hot_manifest.StateRemoved)

	otherPath := publishWithTrigger(t, other, dir, "other.cbus.so", "hotbus-test/other")
	tb.logs.WaitLine(t, waitTimeout, "no controller of the new build started", "plugin-path="+otherPath)
	for _, line := range strings.Split(tb.logs.String(), "\n") {
		if strings.Contains(line, "no controller of the new build started") && strings.Contains(line, "plugin-path="+echoPath) {
			t.Errorf("the dropped build still logged: %s", line)
		}
	}
}

// publishWithTrigger publishes built as dir/name with a build manifest that
// has a trigger, as the compiler does for a rebuild after a source change.
func publishWithTrigger(t *testing.T, built, dir, name, binaryID string) string {
	t.Helper()
	now := time.Now()
	data, err := json.Marshal(&hot_manifest.Build{
		BinaryID:    binaryID,
		BuildHash:   "test",
		Trigger:     &hot_manifest.Trigger{Path: "/src/x.go", Time: now},
		PublishedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := dir + "/" + name
	if err := os.WriteFile(hot_manifest.BuildPath(path), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return publish(t, built, dir, name)
}

// TestWatchFailureChangesNothing makes setting up the watch of the plugins
// dir fail (as EMFILE or the inotify instance limit do): the error is
// logged once at error level, nothing is dropped, and the loader polls the
// directory instead: plugins load, a running controller keeps running, and
// once watching works again the loader watches.
func TestWatchFailureChangesNothing(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	other := buildPlugin(t, "other", uniq(t, "other"))
	dir := t.TempDir()
	echoPath := publish(t, v1, dir, "echo.cbus.so")

	var failing atomic.Bool
	failing.Store(true)
	newWatcher := func() (*fsnotify.Watcher, error) {
		if failing.Load() {
			return nil, syscall.EMFILE
		}
		return fsnotify.NewWatcher()
	}
	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{NewWatcher: newWatcher})
	})
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7))
	waitProbe(t, hello, "v1:hello:7")
	waitManifest(t, mw, echoPath, hot_manifest.StateLoaded)
	tb.logs.WaitLine(t, waitTimeout, "level=error", "could not watch the plugins dir; the loaded plugins keep running", "too many open files")

	// Polled: a new plugin loads without a watcher.
	otherPath := publish(t, other, dir, "other.cbus.so")
	waitManifest(t, mw, otherPath, hot_manifest.StateLoaded)

	failing.Store(false)
	tb.logs.WaitLine(t, waitTimeout, "level=info", "watching the plugins dir again")
	if hist, _ := hello.history(); len(hist) != 1 || hist[0] != "+v1:hello:7" {
		t.Errorf("probe history %v: the running controller must not stop", hist)
	}
	if n := strings.Count(tb.logs.String(), "could not watch the plugins dir"); n != 1 {
		t.Errorf("the watch failure was logged %d times, want once", n)
	}
	if strings.Contains(tb.logs.String(), "stopped watching the plugins dir") {
		t.Error("a watch failure was taken for a removed plugins dir")
	}
}

// TestFailedStatChangesNothing makes stat of a loaded plugin file fail
// with EIO during a scan: the error is logged at error level, the plugin's
// build is left running, and the other files of the scan load.
func TestFailedStatChangesNothing(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	other := buildPlugin(t, "other", uniq(t, "other"))
	dir := t.TempDir()
	echoPath := publish(t, v1, dir, "echo.cbus.so")

	var failing atomic.Bool
	stat := func(name string) (os.FileInfo, error) {
		if failing.Load() && name == echoPath {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: syscall.EIO}
		}
		return os.Stat(name)
	}
	tb := newTestBusWith(t, func(b bus.Bus) controller.Factory {
		return hot_loader_filesystem.NewTestFactory(b, hot_loader_filesystem.TestHooks{Stat: stat})
	})
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7))
	waitProbe(t, hello, "v1:hello:7")
	waitManifest(t, mw, echoPath, hot_manifest.StateLoaded)

	failing.Store(true)
	otherPath := publish(t, other, dir, "other.cbus.so")
	waitManifest(t, mw, otherPath, hot_manifest.StateLoaded)
	tb.logs.WaitLine(t, waitTimeout, "level=error", "could not stat a plugin file; its build is left as it is", "plugin-path="+echoPath, "input/output error")
	failing.Store(false)

	if rec := waitManifest(t, mw, echoPath, hot_manifest.StateLoaded); rec.Error != "" {
		t.Errorf("echo record %+v after the failed stat", rec)
	}
	if hist, _ := hello.history(); len(hist) != 1 || hist[0] != "+v1:hello:7" {
		t.Errorf("probe history %v: the running controller must not stop", hist)
	}
}
