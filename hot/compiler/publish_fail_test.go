package hot_compiler_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestFailedPublishKeepsThePreviousPlugin builds a plugin, then makes the
// next build's publish fail (a non-empty directory sits where its build
// manifest goes, which no permission bit can bypass, even as root): the
// build fails naming the file, the previous plugin is untouched, and no
// temporary file is left in the plugins dir.
func TestFailedPublishKeepsThePreviousPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	out := t.TempDir()
	plugins := filepath.Join(out, "plugins")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    repoRoot,
		Packages:   []string{boilerplatePkg},
		OutputDir:  plugins,
		CodegenDir: filepath.Join(out, "codegen"),
		BinaryID:   "publish-fail",
		OutputName: "publish-fail.cbus.so",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	first, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(first.PluginPath)
	if err != nil {
		t.Fatal(err)
	}

	manifest := hot_manifest.BuildPath(first.PluginPath)
	if err := os.Remove(manifest); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(manifest, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(ctx)
	if err == nil {
		t.Fatal("the build published although its build manifest could not be written")
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "build manifest") || !strings.Contains(err.Error(), first.PluginPath) {
		t.Errorf("error %q does not say the build manifest of %s failed", err, first.PluginPath)
	}
	after, err := os.ReadFile(first.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the previous plugin was changed")
	}
	ents, err := os.ReadDir(plugins)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "publish-fail.cbus.so" && e.Name() != "publish-fail.cbus.json" {
			t.Errorf("left in the plugins dir: %s", e.Name())
		}
	}
}
