package hot_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// TestPublishAnnouncedOnTheBus runs the compiler and the loader on one
// bus: the compiler announces its publish (WatchPublished) and the loader
// reloads on that, not on fsnotify, and loads the build once although
// fsnotify sees the publish too. The "detect" time of the reload line is
// logged, not asserted.
func TestPublishAnnouncedOnTheBus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	source := filepath.Join(mod, "counter", "controller.go")
	// Generations of their own: no other test in this process loads them.
	const first, second = 710001, 710002
	setGeneration(t, source, first, writeRename)
	hook := newFaultHook()
	b, _ := startHost(t, mod, t.TempDir(), "announced", 1, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", first, "announced", 1})
	loader := loaderOf(t, b)
	waitState(t, loader, hot_manifest.StateLoaded, "")

	setGeneration(t, source, second, writeRename)
	hook.expect(t, counterEvent{"stop", first, "announced", 1})
	hook.expect(t, counterEvent{"start", second, "announced", 1})
	var fields logrus.Fields
	select {
	case fields = <-hook.reloads:
	case <-time.After(step):
		t.Fatalf("no reload log line within %s", step)
	}
	if got := fields["detected-by"]; got != "directive" {
		t.Errorf("reload detected-by = %v, want directive (the compiler's announcement on the bus); reload line: %v", got, fields)
	}
	t.Logf("reload steps: detect=%v load=%v total=%v", fields["detect"], fields["load"], fields["total"])

	// Barrier: removing the build is one more event after those of the
	// publish, so once its controller stopped, every scan the publish
	// caused is done. A second load of the build would have stopped and
	// started its controller again before.
	newPath := waitState(t, loader, hot_manifest.StateLoaded, "").Path
	for _, p := range []string{newPath, hot_manifest.BuildPath(newPath)} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	hook.expect(t, counterEvent{"stop", second, "announced", 1})
	select {
	case ev := <-hook.events:
		t.Errorf("counter event %+v after the build's removal: the publish was loaded twice?", ev)
	case f := <-hook.reloads:
		t.Errorf("a second reload line: %v", f)
	default:
	}
}
