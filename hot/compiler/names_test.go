package hot_compiler_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
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
	res := build(t, opts)
	if res.Build.BinaryID != "fixture-ctrl" || res.Build.BinaryVersion != res.Build.BuildHash {
		t.Errorf("build manifest: binary ID %q, version %q, want fixture-ctrl and the build hash %s", res.Build.BinaryID, res.Build.BinaryVersion, res.Build.BuildHash)
	}
	if want := "fixture-ctrl-" + res.Build.BuildHash + ".cbus.so"; filepath.Base(res.PluginPath) != want {
		t.Errorf("plugin %s, want %s", res.PluginPath, want)
	}
	runPlugin(t, res.PluginPath, &boilerplate_controller.Config{ExampleField: "minimal"}, "fixture ran: rev-1 hello from lib minimal")
}

// TestNamesAreChecked: a binary ID or output name that can't name a
// plugin file the loader loads is refused by Config.Validate and by
// NewCompiler, with one error naming the field, the value and the rule.
func TestNamesAreChecked(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name, binaryID, outputName string
		// field is "id" or "name" for the field blamed, "" if valid.
		field, rule string
	}{
		{"valid", "my-plugin", "", "", ""},
		{"valid output name", "my-plugin", "my-plugin-{buildHash}.cbus.so", "", ""},
		{"dot binary ID", ".hidden", "", "id", "must not start with a dot"},
		{"parent binary ID", "../x", "", "id", "must not start with a dot"},
		{"slash binary ID", "a/b", "", "id", "path separator"},
		{"backslash binary ID", `a\b`, "", "id", "path separator"},
		{"dots in binary ID", "a..b", "", "id", `must not contain ".."`},
		{"newline in binary ID", "a\nb", "", "id", "control characters"},
		{"longest binary ID", long(195), "", "", ""},
		{"binary ID too long", long(196), "", "id", "the limit is 255 (NAME_MAX)"},
		{"dot output name", "x", ".x-{buildHash}.cbus.so", "name", "must not start with a dot"},
		{"output name in a subdir", "x", "sub/x-{buildHash}.cbus.so", "name", "path separator"},
		{"output name escaping", "x", "..x.cbus.so", "name", "must not start with a dot"},
		{"dots in output name", "x", "a..b.cbus.so", "name", `must not contain ".."`},
		{"output name suffix", "x", "x.so", "name", "must end in .cbus.so"},
		{"longest output name", "x", long(220-len(".cbus.so")-16) + "{buildHash}.cbus.so", "", ""},
		{"output name too long", "x", long(221-len(".cbus.so")-16) + "{buildHash}.cbus.so", "name", "the limit is 255 (NAME_MAX)"},
		{"long binary ID with an output name", long(300), "x.cbus.so", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := &hot_compiler.Config{Packages: []string{"./ctrl"}, OutputDir: "plugins", PluginBinaryId: tc.binaryID, OutputName: tc.outputName}
			_, cerr := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{Packages: []string{"./ctrl"}, OutputDir: t.TempDir(), CodegenDir: t.TempDir(), BinaryID: tc.binaryID, OutputName: tc.outputName})
			for _, c := range []struct {
				err             error
				idField, nField string
			}{
				{conf.Validate(), "pluginBinaryId", "outputName"},
				{cerr, "BinaryID", "OutputName"},
			} {
				if tc.field == "" {
					if c.err != nil {
						t.Errorf("refused: %v", c.err)
					}
					continue
				}
				var nerr *hot_compiler.NameError
				if !errors.As(c.err, &nerr) {
					t.Errorf("error %v, want a *NameError", c.err)
					continue
				}
				field, value := c.idField, tc.binaryID
				if tc.field == "name" {
					field, value = c.nField, tc.outputName
				}
				if nerr.Field != field || nerr.Value != value || !strings.Contains(nerr.Rule, tc.rule) {
					t.Errorf("error %+v, want field %s, value %q, rule %q", nerr, field, value, tc.rule)
				}
				if msg := c.err.Error(); !strings.Contains(msg, field) || !strings.Contains(msg, strconv.Quote(value)) {
					t.Errorf("error %q does not name the field %s and the value %q", msg, field, value)
				}
			}
		})
	}
}
