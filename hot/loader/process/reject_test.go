package hot_loader_process_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
)

// TestConfigRejectedByChild applies configs the child refuses: one that
// does not validate and one whose field does not decode. Each is logged at
// error level with the config ID and the child's reason (and the field),
// every time controllerbus retries it; the child keeps running.
func TestConfigRejectedByChild(t *testing.T) {
	v1 := buildChild(t, "v1", "")
	dir := t.TempDir()
	path := publish(t, v1, dir, "fixture-v1"+hot_manifest.ProcessSuffix, time.Now().Add(-time.Hour))

	tb := newTestBus(t, hot_loader_process.TestOptions{})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "{count: 2}")
	mw.waitState(t, path, hot_manifest.StateLoaded)
	tb.logs.WaitLine(t, waitTimeout, "level=error", "config-id=hotbus/ipc/fixture",
		"config is not valid: name: must not be empty")
	// Retried with backoff, and reported again.
	waitCount(t, tb, 2, "level=error", "config is not valid: name: must not be empty")

	tb.apply(t, "bad-field:\n  id: hotbus/ipc/fixture\n  config: {name: x, count: not-a-number}\n")
	tb.logs.WaitLine(t, waitTimeout, "level=error", "config-id=hotbus/ipc/fixture",
		"config does not decode (field count)")
	if pids := testutil.ChildPIDs(); len(pids) != 1 {
		t.Errorf("child processes: %v, want the one child still running", pids)
	}
}

// waitCount waits until at least n log lines contain every one of subs.
func waitCount(t *testing.T, tb *testBus, n int, subs ...string) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		text, changed := tb.signal.get()
		got := 0
		for _, line := range strings.Split(text, "\n") {
			if !slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(line, s) }) {
				got++
			}
		}
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%d log lines with %q, want %d", got, subs, n)
		}
	}
}

// TestRollbackToOldChild publishes a build whose child rejects the
// running controller's config: the loader puts the old build back, whose
// child was kept running, and the controller runs in it again.
func TestRollbackToOldChild(t *testing.T) {
	v1 := buildChild(t, "v1", "")
	strict := buildChild(t, "v2", "strict")
	dir := t.TempDir()
	t0 := time.Now().Add(-time.Hour)
	p1 := publish(t, v1, dir, "fixture-v1"+hot_manifest.ProcessSuffix, t0)

	tb := newTestBus(t, hot_loader_process.TestOptions{})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "{name: kept, count: 5}")
	mw.waitState(t, p1, hot_manifest.StateLoaded)
	old := onlyChild(t)
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=kept", "pid="+strconv.Itoa(old))

	p2 := publish(t, strict, dir, "fixture-v2"+hot_manifest.ProcessSuffix, t0.Add(time.Minute))
	rec := mw.waitState(t, p2, hot_manifest.StateRolledBack)
	if !strings.Contains(rec.Error, "count: must be 0 in this build") {
		t.Errorf("rolled-back record error: %q, want the child's reason", rec.Error)
	}
	mw.waitState(t, p1, hot_manifest.StateLoaded)
	tb.logs.WaitLine(t, waitTimeout, "level=error", "config-id=hotbus/ipc/fixture", "count: must be 0 in this build")
	// The controller runs in the old child again (its second start there).
	waitCount(t, tb, 2, "fixture running", "fixture-name=kept", "pid="+strconv.Itoa(old))
	if !testutil.Alive(old) {
		t.Errorf("the old child %d is gone", old)
	}
}
