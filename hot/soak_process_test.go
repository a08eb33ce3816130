package hot_test

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hotbus/hotbus/internal/testutil"
)

// processSoakReloads is the number of reloads TestSoakProcessMode makes.
const processSoakReloads = 50

// processSoakRSSSlackKB is how much the host's RSS may grow from the first
// reload to the last in process mode, where each reload's code lives and
// dies with its child.
const processSoakRSSSlackKB = 10 * 1024

// TestSoakProcessMode reloads the counter controller 50 times in process
// mode (set HOTBUS_SOAK=1 to run it). Every reload must run the new
// generation in a new child, with the old child gone; after the last, the
// host's RSS is within 10 MB of its RSS after the first reload, no child
// of an old build is alive, and the goroutines are where they were after
// the first reload.
func TestSoakProcessMode(t *testing.T) {
	testutil.DownloadModules(t, repoRoot)
	if os.Getenv("HOTBUS_SOAK") == "" {
		t.Skip("set HOTBUS_SOAK=1 to run the soak of 50 reloads in process mode")
	}
	if testing.Short() {
		t.Skip("builds child executables")
	}
	tmp := isolateTempDir(t)
	t.Cleanup(func() { assertNothingLeft(t, tmp) })
	mod := processFixture(t, hotbusCopy(t))
	source := filepath.Join(mod, "counter", "controller.go")

	hook := newProcessHook()
	b, cancel := startProcessHost(t, mod, t.TempDir(), "soak", 7, io.Discard, hook)
	cur := hook.expectStart(t, 1, "soak", 7, "ControllerBusHotPlugin")

	var rss1, gor1 int
	started := time.Now()
	for i := 1; i <= processSoakReloads; i++ {
		setGeneration(t, source, 1+i, writeRename)
		cur = hook.expectReload(t, cur, 1+i, "ControllerBusHotPlugin")
		if i == 1 {
			rss1, gor1 = rssKB(t), runtime.NumGoroutine()
		}
		if i%10 == 0 {
			t.Logf("reload %d: rss %d MB, %d goroutines, %v", i, rssKB(t)/1024, runtime.NumGoroutine(), time.Since(started).Round(time.Second))
		}
	}
	elapsed := time.Since(started)
	rss, gor := rssKB(t), runtime.NumGoroutine()
	t.Logf("%d reloads in process mode in %v (%v each); host RSS %.1f MB after the first, %.1f MB after the last (%+.1f MB); goroutines %d after the first, %d after the last",
		processSoakReloads, elapsed.Round(time.Second), (elapsed / processSoakReloads).Round(time.Millisecond),
		float64(rss1)/1024, float64(rss)/1024, float64(rss-rss1)/1024, gor1, gor)
	if rss > rss1+processSoakRSSSlackKB {
		t.Errorf("host RSS grew from %d KB after the first reload to %d KB after the last: more than %d KB", rss1, rss, processSoakRSSSlackKB)
	}
	// A few goroutines come and go (timers, the reload log line); a leak
	// per reload would be 49 or more.
	if gor > gor1+10 {
		t.Errorf("goroutines grew from %d after the first reload to %d after the last", gor1, gor)
	}
	if pids := testutil.ChildPIDs(); testutil.ProcessesVisible() && !slices.Equal(pids, []int{cur.pid}) {
		t.Errorf("child processes %v after the last reload, want only the running child %d", pids, cur.pid)
	}
	testutil.StopHost(t, b, cancel, step)
}
