package hot_loader_filesystem_test

import (
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestTwoLoadersOneBuild runs two loaders in one process, on two buses and
// two plugins dirs holding the same build: the Go runtime opens a plugin
// once per process ("plugin already loaded" the second time), so the
// second loader must use the build the first opened. Both buses run the
// controller.
func TestTwoLoadersOneBuild(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	dirA, dirB := t.TempDir(), t.TempDir()
	pathA := publish(t, v1, dirA, "echo.cbus.so")
	pathB := publish(t, v1, dirB, "echo.cbus.so")

	busA := newTestBus(t)
	mwA := watchManifest(t, busA, dirA)
	echoA := watchProbe(t, busA, "twin")
	busA.startLoader(t, dirA, true)
	busA.apply(t, echoYAML("twin", 1))
	waitProbe(t, echoA, "v1:twin:1")
	waitManifest(t, mwA, pathA, hot_manifest.StateLoaded)

	busB := newTestBus(t)
	mwB := watchManifest(t, busB, dirB)
	echoB := watchProbe(t, busB, "twin")
	busB.startLoader(t, dirB, true)
	busB.apply(t, echoYAML("twin", 2))
	waitProbe(t, echoB, "v1:twin:2")
	rec := waitManifest(t, mwB, pathB, hot_manifest.StateLoaded)
	if rec.Error != "" {
		t.Errorf("second loader's record has an error: %s", rec.Error)
	}
	waitProbe(t, echoA, "v1:twin:1")
}
