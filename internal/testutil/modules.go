package testutil

import (
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// downloaded records the module dirs DownloadModules fetched for, once per
// test binary.
var downloaded sync.Map // abs dir -> *downloadOnce

// downloadOnce is one dir's go mod download and its outcome.
type downloadOnce struct {
	once sync.Once
	out  []byte
	err  error
}

// DownloadModules runs "go mod download" in the module at dir, once per
// test binary: what hotbus's errors tell a user to do before offline
// builds. Plugin and child builds run with GOPROXY=off from the module
// cache, and on a fresh machine the cache lacks the go.mod files of some
// modules the build's module graph loads (ones no package of the hotbus
// build needs).
func DownloadModules(t testing.TB, dir string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := downloaded.LoadOrStore(abs, &downloadOnce{})
	d := v.(*downloadOnce)
	d.once.Do(func() {
		cmd := exec.Command("go", "mod", "download")
		cmd.Dir = abs
		d.out, d.err = cmd.CombinedOutput()
	})
	if d.err != nil {
		t.Fatalf("go mod download in %s: %v\n%s", abs, d.err, d.out)
	}
}
