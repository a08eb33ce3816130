package hot_compiler_test

import (
	"path/filepath"
	"strings"
	"testing"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

func TestDefaultBinaryID(t *testing.T) {
	for _, tc := range []struct{ importPath, modulePath, want string }{
		{"example.com/shop/ctrl/cart", "example.com/shop", "shop-ctrl-cart"},
		{"example.com/shop", "example.com/shop", "shop"},
		{"example.com/shop/v2/api/v1", "example.com/shop/v2", "shop-api-v1"},
		{"github.com/aperturerobotics/controllerbus/example/boilerplate/controller", "github.com/aperturerobotics/controllerbus", "controllerbus-example-boilerplate-controller"},
		{"shop/ctrl", "shop", "shop-ctrl"},
		{"example.com/a/b/c", "", "b-c"},
		{".hidden/..x", ".hidden", "hidden-.x"},
		{"example.com/x/" + strings.Repeat("long", 30), "example.com/x", ("x-" + strings.Repeat("long", 30))[:64]},
		{"example.com/x/ünï cødé", "example.com/x", "x---n---c--d--"},
		{"", "", "plugin"},
	} {
		got := hot_compiler.DefaultBinaryID(tc.importPath, tc.modulePath)
		if got != tc.want {
			t.Errorf("DefaultBinaryID(%q, %q) = %q, want %q", tc.importPath, tc.modulePath, got, tc.want)
		}
		if err := (&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", PluginBinaryId: got}).Validate(); err != nil {
			t.Errorf("DefaultBinaryID(%q, %q) = %q, which Validate refuses: %v", tc.importPath, tc.modulePath, got, err)
		}
	}
}

// TestMinimalConfigBuilds builds the fixture from a config with only
// workDir, packages and outputDir: the binary ID comes from the package,
// the version from the build hash, and the plugin loads and runs.
func TestMinimalConfigBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir := expandFixture(t, "fixture")
	conf := &hot_compiler.Config{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
	}
	if err := conf.Validate(); err != nil {
		t.Fatal(err)
	}
	opts := conf.ToOptions(testLogger(t))
	c, err := hot_compiler.NewCompiler(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Options().BinaryID; got != "fixture-ctrl" {
		t.Errorf("binary ID %q, want fixture-ctrl (module example.com/fixture, package ctrl)", got)
	}
	res := build(t, c.Options())
	if res.Build.BinaryID != "fixture-ctrl" || res.Build.BinaryVersion != res.Build.BuildHash {
		t.Errorf("build manifest: binary ID %q, version %q, want fixture-ctrl and the build hash %s", res.Build.BinaryID, res.Build.BinaryVersion, res.Build.BuildHash)
	}
	if want := "fixture-ctrl-" + res.Build.BuildHash + ".cbus.so"; filepath.Base(res.PluginPath) != want {
		t.Errorf("plugin %s, want %s", res.PluginPath, want)
	}
	runPlugin(t, res.PluginPath, &boilerplate_controller.Config{ExampleField: "minimal"}, "fixture ran: rev-1 hello from lib minimal")
}
