package hot_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
)

// TestReloadSaysSoOnce edits the controller once: the reload logs one info
// line, "reloaded: the new code runs" (besides the build's progress lines,
// if it is slow), and nothing that reads like a fault; the manifest records the replaced build as superseded (the
// compiler removed its file). Then the new build's file is removed with no
// build to replace it: that says the file was removed, and the manifest
// says removed.
func TestReloadSaysSoOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	source := filepath.Join(mod, "counter", "controller.go")
	// Generations of their own: no other test in this process loads them.
	const first, second = 700001, 700002
	setGeneration(t, source, first, writeRename)
	hook := newFaultHook()
	b, _ := startHost(t, mod, t.TempDir(), "once", 1, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", first, "once", 1})
	loader := loaderOf(t, b)
	oldPath := waitState(t, loader, hot_manifest.StateLoaded, "").Path
	before := len(hook.logged())

	setGeneration(t, source, second, writeRename)
	hook.expect(t, counterEvent{"stop", first, "once", 1})
	hook.expect(t, counterEvent{"start", second, "once", 1})
	hook.expectReloadLine(t)
	ctx, cancel := context.WithTimeout(t.Context(), step)
	defer cancel()
	var loaded []hot_manifest.Plugin
	_, err := loader.WaitManifest(ctx, func(m *hot_manifest.Manifest) bool {
		old := m.Find(oldPath)
		loaded = loaded[:0]
		for _, p := range m.Plugins {
			if p.State == hot_manifest.StateLoaded {
				loaded = append(loaded, p)
			}
		}
		return old != nil && old.State == hot_manifest.StateSuperseded && len(loaded) == 1
	})
	if err != nil {
		t.Fatalf("the replaced build is not superseded in the manifest: %v; manifest: %+v", err, loader.GetManifest())
	}
	newPath := loaded[0].Path
	var info []string
	for _, l := range hook.logged()[before:] {
		// A build that takes more than a few seconds (a loaded machine)
		// says how far it is every few seconds: those lines depend on the
		// clock, not on what the reload did.
		progress := strings.HasPrefix(l, "info building plugin: ")
		if strings.HasPrefix(l, "info ") && !strings.HasPrefix(l, "info counter ") && !progress {
			info = append(info, l)
		}
		if strings.Contains(l, "plugin file removed") || strings.HasPrefix(l, "warning ") || strings.HasPrefix(l, "error ") {
			t.Errorf("a plain reload logged %q", l)
		}
	}
	if n := len(info); n != 1 || !strings.HasPrefix(info[0], "info reloaded: the new code runs") {
		t.Errorf("the loader's and compiler's info lines of one reload: %q, want one reload line", info)
	}

	// No successor: the file's removal is its own event.
	for _, p := range []string{newPath, hot_manifest.BuildPath(newPath)} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	hook.expect(t, counterEvent{"stop", second, "once", 1})
	if _, err := loader.WaitManifest(ctx, func(m *hot_manifest.Manifest) bool {
		p := m.Find(newPath)
		return p != nil && p.State == hot_manifest.StateRemoved
	}); err != nil {
		t.Fatalf("the removed build is not removed in the manifest: %v; manifest: %+v", err, loader.GetManifest())
	}
	if !slices.ContainsFunc(hook.logged(), func(l string) bool {
		return strings.HasPrefix(l, "info plugin file removed, and no new build of its binary ID replaces it")
	}) {
		t.Error("the removal of the only build was not logged as such")
	}
}
