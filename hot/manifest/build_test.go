package hot_manifest_test

import (
	"path/filepath"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestBuildPathOfEachTarget checks that a plugin and a child executable
// each have their build manifest beside them under the same base name.
func TestBuildPathOfEachTarget(t *testing.T) {
	dir := filepath.FromSlash("/plugins")
	for build, want := range map[string]string{
		"demo-3c4d.cbus.so":     "demo-3c4d.cbus.json",
		"demo-3c4d.cbus.exe":    "demo-3c4d.cbus.json",
		"demo.cbus.so.cbus.exe": "demo.cbus.so.cbus.json",
	} {
		if got := hot_manifest.BuildPath(filepath.Join(dir, build)); got != filepath.Join(dir, want) {
			t.Errorf("BuildPath(%s) = %s, want %s", build, got, filepath.Join(dir, want))
		}
	}
}
