//go:build unix

package hot_compiler

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestABuildManifestThatIsNoFileIsNotRead puts a FIFO, then an oversized
// file, where a build manifest goes: publishedBy returns at once without
// reading it (a FIFO would block a read forever), and a real manifest is
// read.
func TestABuildManifestThatIsNoFileIsNotRead(t *testing.T) {
	dir := t.TempDir()
	plugin := filepath.Join(dir, "x-0123456789abcdef.cbus.so")
	manifest := filepath.Join(dir, "x-0123456789abcdef.cbus.json")
	if err := syscall.Mkfifo(manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := publishedBy(plugin, "x", "x-{buildHash}.cbus.so"); ok {
		t.Error("a FIFO was taken for a build manifest")
	}
	if err := os.Remove(manifest); err != nil {
		t.Fatal(err)
	}
	big := append([]byte(`{"binaryId": "x", "buildHash": "0123456789abcdef"}`), make([]byte, int(hot_manifest.MaxManifestSize))...)
	if err := os.WriteFile(manifest, big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := publishedBy(plugin, "x", "x-{buildHash}.cbus.so"); ok {
		t.Error("an oversized build manifest was read")
	}
	if err := os.WriteFile(manifest, big[:len(big)-int(hot_manifest.MaxManifestSize)], 0o644); err != nil {
		t.Fatal(err)
	}
	if b, ok := publishedBy(plugin, "x", "x-{buildHash}.cbus.so"); !ok || b.BuildHash != "0123456789abcdef" {
		t.Errorf("the real build manifest was not read: %+v, %v", b, ok)
	}
}
