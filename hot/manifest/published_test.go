package hot_manifest_test

import (
	"path/filepath"
	"testing"

	"github.com/aperturerobotics/controllerbus/directive"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestWatchPublishedNamesOneDir proves that WatchPublished names a clean
// absolute directory, that two for one directory are equivalent however
// it was spelled, and that one without a directory is refused.
func TestWatchPublishedNamesOneDir(t *testing.T) {
	dir := t.TempDir()
	d := hot_manifest.NewWatchPublished(filepath.Join(dir, "sub", ".."))
	if got := d.WatchPublishedDir(); got != dir {
		t.Errorf("WatchPublishedDir = %q, want %q", got, dir)
	}
	eq, ok := d.(directive.DirectiveWithEquiv)
	if !ok {
		t.Fatalf("%T has no IsEquivalent: the bus would run one per watcher", d)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if !eq.IsEquivalent(hot_manifest.NewWatchPublished(dir + "/")) {
		t.Error("two WatchPublished of one dir are not equivalent")
	}
	if eq.IsEquivalent(hot_manifest.NewWatchPublished(filepath.Join(dir, "other"))) {
		t.Error("WatchPublished of two dirs are equivalent")
	}
	if eq.IsEquivalent(hot_manifest.NewWatchManifest(dir)) {
		t.Error("WatchPublished is equivalent to a WatchManifest")
	}
	if err := hot_manifest.NewWatchPublished("").Validate(); err == nil {
		t.Error("WatchPublished without a dir is valid")
	}
}
