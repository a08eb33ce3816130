package hot_loader_process_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
	"github.com/hotbus/hotbus/internal/testutil"
)

// onlyChild returns the PID of this process's single child process.
func onlyChild(t *testing.T) int {
	t.Helper()
	pids := testutil.ChildPIDs()
	if len(pids) != 1 {
		t.Fatalf("child processes: %v, want exactly one", pids)
	}
	return pids[0]
}

// TestLoadRunsChildController loads a child executable and runs its
// controller, from a config set in YAML, in the child.
func TestLoadRunsChildController(t *testing.T) {
	v1 := buildChild(t, "v1", "")
	dir := t.TempDir()
	path := publish(t, v1, dir, "fixture-v1"+hot_manifest.ProcessSuffix, time.Now().Add(-time.Hour))

	tb := newTestBus(t, hot_loader_process.TestOptions{})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "{name: from-yaml, count: 7}")
	rec := mw.waitState(t, path, hot_manifest.StateLoaded)
	if rec.Mode != hot_manifest.ModeProcess || rec.BinaryID != "process-fixture" || rec.BinaryVersion != "v1" ||
		!slices.Equal(rec.ConfigIDs, []string{"hotbus/ipc/fixture"}) {
		t.Errorf("record: %+v, want mode process, process-fixture v1 with config ID hotbus/ipc/fixture", rec)
	}
	pid := onlyChild(t)
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=from-yaml", "fixture-count=7",
		"binary-id=process-fixture", "pid="+strconv.Itoa(pid))
}

// TestReloadSwapsChild publishes a new build: the new child starts, the
// controller moves to it with its config, and the old child exits.
func TestReloadSwapsChild(t *testing.T) {
	v1 := buildChild(t, "v1", "")
	v2 := buildChild(t, "v2", "")
	dir := t.TempDir()
	t0 := time.Now().Add(-time.Hour)
	p1 := publish(t, v1, dir, "fixture-v1"+hot_manifest.ProcessSuffix, t0)

	tb := newTestBus(t, hot_loader_process.TestOptions{})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "{name: carried, count: 3}")
	mw.waitState(t, p1, hot_manifest.StateLoaded)
	old := onlyChild(t)
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=carried", "pid="+strconv.Itoa(old))

	// As the compiler publishes: the build manifest first, with the source
	// change it was built for, then the executable.
	writeBuildManifest(t, filepath.Join(dir, "fixture-v2"+hot_manifest.ProcessSuffix), &hot_manifest.Build{
		BinaryID: "process-fixture", BinaryVersion: "v2", BuildHash: "v2hash",
		Trigger:     &hot_manifest.Trigger{Path: "/src/fixture/controller.go", Time: time.Now()},
		Timings:     &hot_manifest.Timings{Build: 700 * time.Millisecond},
		PublishedAt: time.Now(),
	})
	p2 := publish(t, v2, dir, "fixture-v2"+hot_manifest.ProcessSuffix, t0.Add(time.Minute))
	rec := mw.waitState(t, p2, hot_manifest.StateLoaded)
	if rec.BinaryVersion != "v2" {
		t.Errorf("loaded build: %+v, want v2", rec)
	}
	// The old controller stopped in the old child, then the same config
	// ran in the new one, and then the old child was stopped.
	tb.logs.WaitLine(t, waitTimeout, "fixture stopped", "fixture-name=carried", "pid="+strconv.Itoa(old))
	tb.logs.WaitLine(t, waitTimeout, "child stopped", "pid="+strconv.Itoa(old))
	if testutil.Alive(old) {
		t.Errorf("the old child %d is still running", old)
	}
	now := onlyChild(t)
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=carried", "fixture-count=3", "pid="+strconv.Itoa(now))
	mw.waitState(t, p1, hot_manifest.StateSuperseded)
	// The reload's line with the time of each step, as in-process.
	tb.logs.WaitLine(t, waitTimeout, "level=info", "reloaded: the new code runs", "changed-path=/src/fixture/controller.go",
		"stop-old=", "swap=", "start=", "build=700ms", "binary-version=v2")
}

// writeBuildManifest writes the build manifest of the build at path.
func writeBuildManifest(t *testing.T, path string, b *hot_manifest.Build) {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(hot_manifest.BuildPath(path), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
