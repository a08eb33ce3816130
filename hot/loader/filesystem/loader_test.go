package hot_loader_filesystem_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// echoYAML is the config set of the echo controller named name.
func echoYAML(name string, count int) string {
	return fmt.Sprintf(`
echo-%s:
  id: hotbus-test/echo
  config:
    name: %s
    count: %d
`, name, name, count)
}

// otherYAML is the config set of the other controller named name.
func otherYAML(name string) string {
	return fmt.Sprintf(`
other-%s:
  id: hotbus-test/other
  config:
    name: %s
`, name, name)
}

// fileSHA256 returns the hex sha256 of the file at path.
func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// uniqSeq makes uniq's names unique across runs of a test in one process
// (go test -count=N): the runtime refuses a plugin path loaded before.
var uniqSeq atomic.Int64

// uniq returns a name unique to this call, for buildPlugin.
func uniq(t *testing.T, name string) string {
	return fmt.Sprintf("%s_%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), name, uniqSeq.Add(1))
}

// TestLoadSwapRemove loads a plugin's controller from a YAML config set,
// swaps in a new build (published before the old file is removed), then
// removes it and brings another build back (old file removed first), while
// another plugin's controller runs untouched throughout.
func TestLoadSwapRemove(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	v2 := buildPlugin(t, "echov2", uniq(t, "echov2"))
	v1b := buildPlugin(t, "echov1", uniq(t, "echov1b"))
	other := buildPlugin(t, "other", uniq(t, "other"))

	dir := t.TempDir()
	echoPath := publish(t, v1, dir, "echo.cbus.so")
	otherPath := publish(t, other, dir, "other.cbus.so")

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "hello")
	world := watchProbe(t, tb, "world")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("hello", 7)+otherYAML("world"))

	// The controller runs, with the config from the YAML.
	waitProbe(t, hello, "v1:hello:7")
	waitProbe(t, world, "other-v1:world")
	rec := waitManifest(t, mw, echoPath, hot_manifest.StateLoaded)
	if rec.BinaryID != "hotbus-test/echo" || rec.BinaryVersion != "v1" {
		t.Errorf("manifest record %+v: want binary hotbus-test/echo v1", rec)
	}
	if want := fileSHA256(t, echoPath); rec.FileSHA256 != want {
		t.Errorf("manifest sha256 %s, want %s", rec.FileSHA256, want)
	}
	if !slices.Equal(rec.ConfigIDs, []string{"hotbus-test/echo"}) {
		t.Errorf("manifest config IDs %v", rec.ConfigIDs)
	}
	if rec.LoadedAt.IsZero() {
		t.Error("manifest load time is zero")
	}

	// A new build, published before the old file is removed: the old
	// controller stops before the new one starts; the config carries over.
	echo2Path := publish(t, v2, dir, "echo-2.cbus.so")
	waitProbe(t, hello, "v2:hello:7")
	waitManifest(t, mw, echo2Path, hot_manifest.StateLoaded)
	waitManifest(t, mw, echoPath, hot_manifest.StateSuperseded)
	// Removing the superseded file changes nothing: it stays superseded.
	if err := os.Remove(echoPath); err != nil {
		t.Fatal(err)
	}
	hist, most := hello.history()
	if most != 1 || !slices.Equal(hist, []string{"+v1:hello:7", "-v1:hello:7", "+v2:hello:7"}) {
		t.Errorf("probe history %v (at most %d at once): want v1 stopped before v2 started", hist, most)
	}

	// Removing the file stops the controller.
	if err := os.Remove(echo2Path); err != nil {
		t.Fatal(err)
	}
	waitProbe(t, hello)
	waitManifest(t, mw, echo2Path, hot_manifest.StateRemoved)

	// Old file removed first, then a new build: the controller comes back.
	echo3Path := publish(t, v1b, dir, "echo-3.cbus.so")
	waitProbe(t, hello, "v1:hello:7")
	waitManifest(t, mw, echo3Path, hot_manifest.StateLoaded)

	// The other plugin's controller never stopped.
	if hist, _ := world.history(); !slices.Equal(hist, []string{"+other-v1:world"}) {
		t.Errorf("other controller history %v: it should have run untouched", hist)
	}

	// The JSON file shows the same.
	m, err := hot_manifest.ReadFile(filepath.Join(dir, hot_manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hot_manifest.State{
		echoPath:  hot_manifest.StateSuperseded,
		echo2Path: hot_manifest.StateRemoved,
		echo3Path: hot_manifest.StateLoaded,
		otherPath: hot_manifest.StateLoaded,
	}
	for path, state := range want {
		if p := m.Find(path); p == nil || p.State != state {
			t.Errorf("manifest file: %s is %+v, want %s", path, p, state)
		}
	}
	if m.Dir != dir {
		t.Errorf("manifest file dir %q, want %q", m.Dir, dir)
	}
}

// TestOverwriteSamePath writes a new build over the path of the loaded
// one: plugin.Open caches by path, yet the new code must run.
func TestOverwriteSamePath(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	v2 := buildPlugin(t, "echov2", uniq(t, "echov2"))

	dir := t.TempDir()
	path := publish(t, v1, dir, "echo.cbus.so")

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "same")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("same", 3))
	waitProbe(t, hello, "v1:same:3")
	first := waitManifest(t, mw, path, hot_manifest.StateLoaded)

	publish(t, v2, dir, "echo.cbus.so")
	waitProbe(t, hello, "v2:same:3")
	rec := waitRecord(t, mw, "v2 loaded", path, func(p hot_manifest.Plugin) bool {
		return p.State == hot_manifest.StateLoaded && p.BinaryVersion == "v2"
	})
	if rec.FileSHA256 == first.FileSHA256 || rec.FileSHA256 != fileSHA256(t, path) {
		t.Errorf("manifest after overwrite %+v: want the v2 build's hash", rec)
	}
	if _, most := hello.history(); most != 1 {
		t.Errorf("two builds ran at once (%d values)", most)
	}

	// The first build comes back (a revert): it was opened before, so it
	// is used again rather than refused by the runtime.
	publish(t, v1, dir, "echo.cbus.so")
	waitProbe(t, hello, "v1:same:3")
	waitRecord(t, mw, "v1 loaded again", path, func(p hot_manifest.Plugin) bool {
		return p.State == hot_manifest.StateLoaded && p.FileSHA256 == first.FileSHA256
	})
}
