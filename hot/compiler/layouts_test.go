package hot_compiler_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// namedConfig is the boilerplate config under another config ID, as the
// names fixture's mk.Config is: the plugin converts it to its own type.
type namedConfig struct {
	*boilerplate_controller.Config
	id string
}

// GetConfigID returns the config ID.
func (c *namedConfig) GetConfigID() string { return c.id }

// TestBuildPackagesNamedLikeGeneratedCode builds one plugin of hot
// packages named after every identifier the generated main uses (b, bus,
// controller, hot_plugin, BinaryID, nil, init, ...), loads it and runs
// the controller of each.
func TestBuildPackagesNamedLikeGeneratedCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir := expandFixture(t, "names")
	res := build(t, hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./hot/..."},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "names",
		Logger:     testLogger(t),
	})
	m, err := hot_manifest.ReadBuild(res.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range compilertest.GeneratedNames() {
		want = append(want, "names/"+n)
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(m.ConfigIDs))
	if !slices.Equal(got, want) {
		t.Fatalf("config IDs %v, want %v", got, want)
	}
	for _, id := range want {
		conf := &namedConfig{Config: &boilerplate_controller.Config{ExampleField: "ok"}, id: id}
		runPlugin(t, res.PluginPath, conf, "names ran: "+id+" ok")
	}
}

// TestBuildVersionedDirectories builds a hot package in api/v1 that
// imports a helper in util/v2 and a local module example.com/lib/v3: as
// units (each package a module of its own), and with lib's copies in the
// build tree (lib uses an internal package), then loads and runs it.
func TestBuildVersionedDirectories(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	for _, tc := range []struct {
		name     string
		internal bool
	}{
		{"units", false},
		{"tree", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := expandFixture(t, "versioned")
			if tc.internal {
				editFile(t, filepath.Join(dir, "lib", "lib.go"), `func Name() string { return "lib/v3" }`,
					`import "example.com/lib/v3/internal/word"

// Name names the module.
func Name() string { return "lib/v3 " + word.Word }`)
			}
			res := build(t, hot_compiler.Options{
				WorkDir:    filepath.Join(dir, "app"),
				Packages:   []string{"./api/v1"},
				OutputDir:  filepath.Join(dir, "plugins"),
				CodegenDir: filepath.Join(dir, "codegen"),
				BinaryID:   "versioned-" + tc.name,
				Logger:     testLogger(t),
			})
			want := "api/v1 ran: util/v2 lib/v3 " + tc.name
			if tc.internal {
				want = "api/v1 ran: util/v2 lib/v3 internal " + tc.name
			}
			runPlugin(t, res.PluginPath, &boilerplate_controller.Config{ExampleField: tc.name}, want)
		})
	}
}

// TestBuildBoilerplateCopyInUserModule copies controllerbus's
// example/boilerplate (the controller, its boilerplate/v1 package and the
// root package) into a user module, as a user starting from the example
// does, and builds, loads and runs its controller: boilerplate/v1 is a
// local package the hot package imports, copied into the build.
func TestBuildBoilerplateCopyInUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir := expandFixture(t, "user")
	out, err := exec.Command("go", "list", "-C", repoRoot, "-f", "{{.Dir}}", boilerplatePkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", boilerplatePkg, err)
	}
	from := filepath.Dir(strings.TrimSpace(string(out)))
	const orig = "github.com/aperturerobotics/controllerbus/example/boilerplate"
	copied := 0
	for _, sub := range []string{".", "controller", "v1"} {
		files, err := filepath.Glob(filepath.Join(from, sub, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, "app", "boilerplate", sub, filepath.Base(f))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, []byte(strings.ReplaceAll(string(data), orig, "example.com/user/boilerplate")), 0o644); err != nil {
				t.Fatal(err)
			}
			copied++
		}
	}
	if copied < 3 {
		t.Fatalf("copied %d files of %s", copied, from)
	}
	res := build(t, hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./boilerplate/controller"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "user-boilerplate",
		Logger:     testLogger(t),
	})
	conf := &boilerplate_controller.Config{ExampleField: "copied"}
	runPlugin(t, res.PluginPath, conf, "hello from boilerplate controller: copied")
}
