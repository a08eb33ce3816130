package hot_compiler_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// TestEditedSharedPackageFailsBeforePublish builds against a copy of the
// host's own module in which hot/plugin, a package the host links, was
// edited: the plugin would not load, and the error names the package and
// process mode, where such an edit runs
// (TestProcessTargetRunsAnEditedHostPackage).
func TestEditedSharedPackageFailsBeforePublish(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	hostSrc := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(repoRoot, f), filepath.Join(hostSrc, f))
	}
	pluginDir := filepath.Join(repoRoot, "hot", "plugin")
	ents, err := os.ReadDir(pluginDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			copyFile(t, filepath.Join(pluginDir, e.Name()), filepath.Join(hostSrc, "hot", "plugin", e.Name()))
		}
	}
	edited := filepath.Join(hostSrc, "hot", "plugin", "edited.go")
	if err := os.WriteFile(edited, []byte("package hot_plugin\n\n// Edited was added after the host was built.\nfunc Edited() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:       repoRoot,
		Packages:      []string{boilerplatePkg},
		OutputDir:     filepath.Join(out, "plugins"),
		CodegenDir:    filepath.Join(out, "codegen"),
		BinaryID:      "boilerplate-edited",
		HostModuleDir: hostSrc,
		Logger:        testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(context.Background())
	if err == nil {
		t.Fatal("a plugin built against an edited shared package was published")
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "github.com/hotbus/hotbus/hot/plugin") {
		t.Errorf("the error does not name the edited package:\n%v", err)
	}
	if !strings.Contains(err.Error(), "set target: process in the compiler config (or --target process)") {
		t.Errorf("the error does not name process mode as the way out:\n%v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "plugins")); len(ents) != 0 {
		t.Errorf("published %v", ents)
	}
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
