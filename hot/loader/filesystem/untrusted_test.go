package hot_loader_filesystem_test

import (
	"os"
	"syscall"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestUntrustedBuildManifests puts a FIFO and a 1 GiB file where build
// manifests go, beside real plugins: the loader neither blocks on the FIFO
// nor reads the big file into memory; it logs why each manifest is ignored
// and loads the plugins.
func TestUntrustedBuildManifests(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	other := buildPlugin(t, "other", uniq(t, "other"))
	dir := t.TempDir()
	fifoPath := dir + "/fifo.cbus.so"
	if err := syscall.Mkfifo(hot_manifest.BuildPath(fifoPath), 0o600); err != nil {
		t.Fatal(err)
	}
	bigPath := dir + "/big.cbus.so"
	f, err := os.Create(hot_manifest.BuildPath(bigPath))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	publish(t, v1, dir, "fifo.cbus.so")
	publish(t, other, dir, "big.cbus.so")

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	tb.startLoader(t, dir, true)
	waitManifest(t, mw, fifoPath, hot_manifest.StateLoaded)
	waitManifest(t, mw, bigPath, hot_manifest.StateLoaded)
	tb.logs.WaitLine(t, waitTimeout, "level=warning", "build manifest beside the plugin ignored", "plugin-path="+fifoPath, "not a regular file but a named pipe")
	tb.logs.WaitLine(t, waitTimeout, "level=warning", "build manifest beside the plugin ignored", "plugin-path="+bigPath, "1073741824 bytes", "1 MiB")
}
