package hot_loader_filesystem_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/hostinfo"
	"github.com/hotbus/hotbus/internal/preflight"
)

// otherTrimpath returns the flag that builds a plugin with -trimpath the
// other way round from this test binary: the runtime refuses such a plugin.
func otherTrimpath(t *testing.T) string {
	t.Helper()
	flags, _ := testBuildFlags(t)
	if slices.Contains(flags, "-trimpath") {
		return "-trimpath=false"
	}
	return "-trimpath"
}

// TestBadInputs puts every kind of bad plugin file into the plugins dir
// beside a good plugin: each gets a clear error in the log and the
// manifest, and the good plugin and the loader keep running.
func TestBadInputs(t *testing.T) {
	other := buildPlugin(t, "other", uniq(t, "other"))
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	insecure := buildPlugin(t, "echov1", uniq(t, "insecure"))
	external := buildPlugin(t, "echov1", uniq(t, "external"))
	later := buildPlugin(t, "echov1", uniq(t, "later"))
	mismatch := buildPlugin(t, "echov1", uniq(t, "mismatch"), otherTrimpath(t))
	nosym := buildPlugin(t, "nosymbol", uniq(t, "nosymbol"))
	wrongtype := buildPlugin(t, "wrongtype", uniq(t, "wrongtype"))
	badres := buildPlugin(t, "badresolver", uniq(t, "badresolver"))

	dir := t.TempDir()
	outside := t.TempDir()
	publish(t, other, dir, "other.cbus.so")

	want := map[string][]string{}
	add := func(name string, subs ...string) string {
		path := filepath.Join(dir, name)
		want[path] = subs
		return path
	}

	garbage := add("garbage.cbus.so", "not an ELF file")
	if err := os.WriteFile(garbage, []byte("this is not a plugin"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	truncated := add("truncated.cbus.so", "ELF")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	publish(t, nosym, dir, "nosymbol.cbus.so")
	add("nosymbol.cbus.so", "has no ControllerBusHotPlugin symbol")
	publish(t, wrongtype, dir, "wrongtype.cbus.so")
	add("wrongtype.cbus.so", "symbol ControllerBusHotPlugin is a *string", "want a hot_plugin.HotPlugin")
	publish(t, badres, dir, "badresolver.cbus.so")
	add("badresolver.cbus.so", "build its resolver", "panic", "boom")
	publish(t, mismatch, dir, "mismatch.cbus.so")
	add("mismatch.cbus.so", "would be refused by the Go runtime", "-trimpath: host", "build the plugin with -trimpath exactly when the host was")
	insecurePath := publish(t, insecure, dir, "insecure.cbus.so")
	if err := os.Chmod(insecurePath, 0o666); err != nil {
		t.Fatal(err)
	}
	add("insecure.cbus.so", "writable by group or others", "allow_insecure_permissions")
	target := publish(t, external, outside, "external.cbus.so")
	if err := os.Symlink(target, filepath.Join(dir, "link.cbus.so")); err != nil {
		t.Fatal(err)
	}
	add("link.cbus.so", "outside the plugins dir", "allow_external_symlinks")
	// Temporary names are never opened.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-x.cbus.so-123"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	world := watchProbe(t, tb, "world")
	tb.startLoader(t, dir, true)
	tb.apply(t, otherYAML("world"))
	waitProbe(t, world, "other-v1:world")

	for path, subs := range want {
		rec := waitManifest(t, mw, path, hot_manifest.StateFailed)
		for _, s := range subs {
			if !strings.Contains(rec.Error, s) {
				t.Errorf("%s: error %q does not say %q", filepath.Base(path), rec.Error, s)
			}
		}
		if !strings.Contains(rec.Error, path) {
			t.Errorf("%s: error %q does not name the file", filepath.Base(path), rec.Error)
		}
		tb.logs.WaitLine(t, waitTimeout, "plugin not loaded", "plugin-path="+path)
	}
	m, _ := mw.wait(t, "manifest", func(vals []*hot_manifest.Manifest) bool { return len(vals) == 1 }), 0
	if p := m[0].Find(filepath.Join(dir, ".tmp-x.cbus.so-123")); p != nil {
		t.Errorf("a temporary file was looked at: %+v", p)
	}

	// The JSON file records the failures too.
	mf, err := hot_manifest.ReadFile(filepath.Join(dir, hot_manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for path := range want {
		if p := mf.Find(path); p == nil || p.State != hot_manifest.StateFailed || p.Error == "" {
			t.Errorf("manifest file: %s is %+v, want failed with an error", path, p)
		}
	}

	// The loader still loads a good plugin.
	hello := watchProbe(t, tb, "later")
	publish(t, later, dir, "echo.cbus.so")
	tb.apply(t, echoYAML("later", 1))
	waitProbe(t, hello, "v1:later:1")
	if hist, _ := world.history(); !slices.Equal(hist, []string{"+other-v1:world"}) {
		t.Errorf("other controller history %v: it should have run untouched", hist)
	}
}

// TestInsecureDir refuses a plugins dir others can write, and loads from it
// once it is fixed.
func TestInsecureDir(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	dir := t.TempDir()
	path := publish(t, v1, dir, "echo.cbus.so")
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	tb.startLoader(t, dir, true)
	tb.logs.Wait(t, waitTimeout, "plugins dir refused", "writable by group or others", "allow_insecure_permissions")
	if m := mw.wait(t, "manifest", func(m []*hot_manifest.Manifest) bool { return len(m) == 1 }); len(m[0].Plugins) != 0 {
		t.Fatalf("plugins loaded from an insecure dir: %+v", m)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	waitManifest(t, mw, path, hot_manifest.StateLoaded)
}

// TestPreflight checks real plugins against this test binary.
func TestPreflight(t *testing.T) {
	good := buildPlugin(t, "echov1", uniq(t, "good"))
	bad := buildPlugin(t, "echov1", uniq(t, "bad"), otherTrimpath(t))
	host, err := preflight.CurrentHost()
	if err != nil {
		t.Fatal(err)
	}
	if err := preflight.Check(host, good); err != nil {
		t.Errorf("good plugin: %v", err)
	}

	err = preflight.Check(host, bad)
	var pe *preflight.Error
	if !errors.As(err, &pe) {
		t.Fatalf("plugin built with %s: got %v, want a *preflight.Error", otherTrimpath(t), err)
	}
	if !slices.Contains(pe.Packages, "github.com/hotbus/hotbus/hot/plugin") {
		t.Errorf("differing packages %v: want github.com/hotbus/hotbus/hot/plugin", pe.Packages)
	}
	if len(pe.Mismatches) != 1 || pe.Mismatches[0].Item != "-trimpath" {
		t.Errorf("mismatches %+v: want just -trimpath", pe.Mismatches)
	}

	p, err := preflight.ReadPlugin(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := preflight.CheckPlugin(host, p, p); err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("second plugin with one plugin path: got %v", err)
	}
	info, _ := debug.ReadBuildInfo()
	if len(hostinfo.Env(info)) == 0 {
		t.Error("no build environment from the test binary's build info")
	}
}

// TestMissingDirNoWatch starts a loader without watch on a directory that
// does not exist yet: it waits for it, then loads what is there once.
func TestMissingDirNoWatch(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	parent := t.TempDir()
	dir := filepath.Join(parent, "plugins")
	staging := filepath.Join(parent, "staging")
	if err := os.Mkdir(staging, 0o700); err != nil {
		t.Fatal(err)
	}
	publish(t, v1, staging, "echo.cbus.so")

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	hello := watchProbe(t, tb, "nowatch")
	tb.startLoader(t, dir, false)
	tb.logs.Wait(t, waitTimeout, "plugins dir does not exist; waiting for it")
	// The directory appears with its plugin at once.
	if err := os.Rename(staging, dir); err != nil {
		t.Fatal(err)
	}
	waitManifest(t, mw, filepath.Join(dir, "echo.cbus.so"), hot_manifest.StateLoaded)
	tb.apply(t, echoYAML("nowatch", 2))
	waitProbe(t, hello, "v1:nowatch:2")
}
