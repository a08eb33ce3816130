package hot_compiler_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

func TestBuildBoilerplateLoadsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	res, _ := buildBoilerplate(t)
	if !strings.HasPrefix(filepath.Base(res.PluginPath), "boilerplate-"+res.Build.BuildHash) {
		t.Errorf("plugin name %s does not carry the build hash %s", res.PluginPath, res.Build.BuildHash)
	}
	m, err := hot_manifest.ReadBuild(res.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	if m.BuildHash != res.Build.BuildHash || m.BinaryVersion != m.BuildHash {
		t.Errorf("manifest %+v does not match the build %+v", m, res.Build)
	}
	if !slices.Equal(m.ConfigIDs, []string{boilerplate_controller.ConfigID}) {
		t.Errorf("config IDs %v, want [%s]", m.ConfigIDs, boilerplate_controller.ConfigID)
	}
	conf := &boilerplate_controller.Config{ExampleField: "from the test"}
	msg := runPlugin(t, res.PluginPath, conf, "hello from boilerplate controller: from the test")
	t.Log(msg)
}

func TestBuildFixtureTwiceLoadsSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "fixture")
	opts := hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	}
	c, err := hot_compiler.NewCompiler(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %+v", first.Timings)
	conf := &boilerplate_controller.Config{ExampleField: "one"}
	runPlugin(t, first.PluginPath, conf, "fixture ran: rev-1 hello from lib one")

	again, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Unchanged || again.PluginPath != first.PluginPath {
		t.Errorf("an identical build was redone: %+v", again)
	}

	src := filepath.Join(dir, "app", "ctrl", "ctrl.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(strings.Replace(string(data), `"rev-1"`, `"rev-2"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// An edit to the replace'd local module loads too: it is not in the
	// host, so the plugin carries its own copy under the build prefix.
	greet := filepath.Join(dir, "lib", "greet", "greet.go")
	gdata, err := os.ReadFile(greet)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(greet, []byte(strings.Replace(string(gdata), "hello from lib", "hello again from lib", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second build: %+v", second.Timings)
	if second.Unchanged || second.Build.BuildHash == first.Build.BuildHash {
		t.Fatalf("changed code gave the same build: %+v", second.Build)
	}
	if _, err := os.Stat(first.PluginPath); !os.IsNotExist(err) {
		t.Errorf("older build %s was not removed: %v", first.PluginPath, err)
	}
	if _, err := os.Stat(hot_manifest.BuildPath(first.PluginPath)); !os.IsNotExist(err) {
		t.Errorf("older build manifest was not removed: %v", err)
	}
	runPlugin(t, second.PluginPath, &boilerplate_controller.Config{ExampleField: "two"}, "fixture ran: rev-2 hello again from lib two")

	watch := c.WatchFiles()
	for _, want := range []string{src, greet, filepath.Join(dir, "app", "go.mod")} {
		if !slices.Contains(watch, want) {
			t.Errorf("WatchFiles() = %v, missing %s", watch, want)
		}
	}
}

func TestAnalysisReportsFactoryProblems(t *testing.T) {
	dir := expandFixture(t, "fixture")
	_, err := analysis.Analyze(context.Background(), filepath.Join(dir, "app"), []string{"./nofactory", "./badfactory"}, analysis.Options{})
	var aerr *analysis.AnalysisError
	if !errors.As(err, &aerr) {
		t.Fatalf("Analyze: %v, want *AnalysisError", err)
	}
	if len(aerr.Problems) != 2 {
		t.Fatalf("problems: %v", aerr)
	}
	for _, p := range aerr.Problems {
		if p.Kind != "factory" {
			t.Errorf("problem %v: kind %q, want factory", p, p.Kind)
		}
	}
	if !strings.Contains(aerr.Error(), "badfactory.go:5:6: wrong signature") {
		t.Errorf("error does not point at the bad NewFactory:\n%v", aerr)
	}
	t.Log(aerr)
}

// TestBuildModuleLayouts builds the fixture with the local module
// replaced by an absolute path and used through a go.work workspace.
func TestBuildModuleLayouts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T, dir string)
	}{
		{"absolute-replace", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "app", "go.mod"), "=> ../lib", "=> "+filepath.Join(dir, "lib"))
		}},
		{"workspace", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "app", "go.mod"), "replace example.com/lib => ../lib", "")
			editFile(t, filepath.Join(dir, "app", "go.mod"), "example.com/lib v0.0.0-00010101000000-000000000000", "")
			work := "go 1.25.0\n\nuse (\n\t./app\n\t./lib\n)\n"
			if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte(work), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := expandFixture(t, "fixture")
			tc.layout(t, dir)
			editFile(t, filepath.Join(dir, "lib", "greet", "greet.go"), "hello from lib", "hello from "+tc.name)
			c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
				WorkDir:    filepath.Join(dir, "app"),
				Packages:   []string{"example.com/fixture/ctrl"},
				OutputDir:  filepath.Join(dir, "plugins"),
				CodegenDir: filepath.Join(dir, "codegen"),
				BinaryID:   "fixture-" + tc.name,
				Logger:     testLogger(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Build(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			watch := c.WatchFiles()
			for _, want := range []string{filepath.Join(dir, "lib", "greet", "greet.go"), filepath.Join(dir, "lib", "go.mod")} {
				if !slices.Contains(watch, want) {
					t.Errorf("WatchFiles() = %v, missing %s", watch, want)
				}
			}
			if work := filepath.Join(dir, "go.work"); tc.name == "workspace" && !slices.Contains(watch, work) {
				t.Errorf("WatchFiles() = %v, missing %s", watch, work)
			}
			conf := &boilerplate_controller.Config{ExampleField: tc.name}
			runPlugin(t, res.PluginPath, conf, "fixture ran: rev-1 hello from "+tc.name+" "+tc.name)
		})
	}
}

// editFile replaces old with new in the file at path, once.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRebuildOfARevertGivesTheSameBytes builds the fixture, edits it,
// builds, reverts the edit and builds again: the third build has the
// build hash, so the plugin path, of the first, and must be the same
// file byte for byte, or a loader that opened the first would have to
// refuse it (the runtime keeps one plugin per plugin path in a process).
func TestRebuildOfARevertGivesTheSameBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "fixture")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firstBytes, err := os.ReadFile(first.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	greet := filepath.Join(dir, "lib", "greet", "greet.go")
	orig, err := os.ReadFile(greet)
	if err != nil {
		t.Fatal(err)
	}
	editFile(t, greet, "hello from lib", "hi from lib")
	if _, err := c.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(greet, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if third.Unchanged || third.PluginPath != first.PluginPath {
		t.Fatalf("the revert built %s (unchanged %v), want a new build at %s", third.PluginPath, third.Unchanged, first.PluginPath)
	}
	thirdBytes, err := os.ReadFile(third.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(firstBytes, thirdBytes) {
		t.Errorf("the rebuild of the reverted sources differs from the first build (%d and %d bytes)", len(firstBytes), len(thirdBytes))
	}
}
