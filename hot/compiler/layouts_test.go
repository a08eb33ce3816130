package hot_compiler_test

import (
	"path/filepath"
	"slices"
	"testing"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
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
	for _, n := range generatedNames {
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
