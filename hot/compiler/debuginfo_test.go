package hot_compiler_test

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/internal/preflight"
)

// TestPluginWithoutDebugInfo builds a hot package whose controller panics
// in Execute. By default the plugin is linked with -w: it has no DWARF,
// preflight accepts it, and the recovered panic's stack still names the
// user's file (its path, not the copy's) and the line of the panic. With KeepDebugInfo the plugin
// keeps its DWARF.
func TestPluginWithoutDebugInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "panics")
	src, err := os.ReadFile(filepath.Join(dir, "app", "boom", "boom.go"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "// the panic's line")
	if i < 0 {
		t.Fatal("the fixture has no panic line")
	}
	// The user's own file, not the per-build copy the plugin is compiled
	// from (the copy starts with a //line directive naming it).
	where := fmt.Sprintf("%s:%d", filepath.Join(dir, "app", "boom", "boom.go"), strings.Count(string(src[:i]), "\n")+1)
	opts := hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./boom"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "boom",
		Logger:     testLogger(t),
	}
	res := build(t, opts)
	if !slices.Contains(res.Build.Flags, "-ldflags=-w") {
		t.Errorf("flags %q: want -ldflags=-w", res.Build.Flags)
	}
	if sections := debugSections(t, res.PluginPath); len(sections) != 0 {
		t.Errorf("plugin built without debug info has DWARF sections %q", sections)
	}
	host, err := preflight.CurrentHost()
	if err != nil {
		t.Fatal(err)
	}
	if err := preflight.Check(host, res.PluginPath); err != nil {
		t.Errorf("preflight refused the plugin without DWARF: %v", err)
	}
	msg := runPlugin(t, res.PluginPath, &boilerplate_controller.Config{ExampleField: "kaboom"}, "Execute panicked")
	if !strings.Contains(msg, "boom: kaboom") || !strings.Contains(msg, where) {
		t.Errorf("the panic does not say %s:\n%s", where, msg)
	}

	t.Logf("the panic: %s", msg)
	size := fileSize(t, res.PluginPath)

	opts.KeepDebugInfo = true
	withDWARF := build(t, opts)
	if slices.ContainsFunc(withDWARF.Build.Flags, func(f string) bool {
		ld, ok := strings.CutPrefix(f, "-ldflags=")
		return ok && slices.Contains(strings.Fields(ld), "-w")
	}) {
		t.Errorf("flags %q with KeepDebugInfo: want no -w", withDWARF.Build.Flags)
	}
	if !slices.Contains(debugSections(t, withDWARF.PluginPath), ".debug_info") {
		t.Errorf("plugin built with KeepDebugInfo has no .debug_info")
	}
	t.Logf("plugin size: %d bytes without DWARF, %d with", size, fileSize(t, withDWARF.PluginPath))
}

// TestConfigKeepDebugInfo: the config field reaches the options.
func TestConfigKeepDebugInfo(t *testing.T) {
	conf := &hot_compiler.Config{Packages: []string{"./ctrl"}, OutputDir: "plugins", KeepDebugInfo: true}
	if !conf.ToOptions(nil).KeepDebugInfo {
		t.Error("keepDebugInfo: true did not set Options.KeepDebugInfo")
	}
	if (&hot_compiler.Config{}).ToOptions(nil).KeepDebugInfo {
		t.Error("debug info is kept by default")
	}
}

// debugSections returns the names of the DWARF sections of the ELF file.
func debugSections(t *testing.T, path string) []string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	for _, s := range f.Sections {
		if strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			names = append(names, s.Name)
		}
	}
	return names
}

// fileSize returns the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
