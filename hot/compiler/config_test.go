package hot_compiler_test

import (
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

func TestConfigValidateAndOptions(t *testing.T) {
	conf := &hot_compiler.Config{
		WorkDir: "app", Packages: []string{"./ctrl"}, OutputDir: "plugins",
		PluginBinaryId: "demo", PluginBinaryVersion: "v1+{buildHash}", DebounceDur: "100ms",
	}
	if err := conf.Validate(); err != nil {
		t.Fatal(err)
	}
	if d, _ := conf.ParseDebounceDur(); d != 100*time.Millisecond {
		t.Errorf("debounce %v", d)
	}
	opts := conf.ToOptions(nil)
	if opts.WorkDir != "app" || opts.BinaryID != "demo" || opts.BinaryVersion != "v1+{buildHash}" || len(opts.Packages) != 1 {
		t.Errorf("options %+v", opts)
	}
	if !conf.EqualsConfig(conf.CloneVT()) || conf.GetConfigID() != hot_compiler.ConfigID {
		t.Error("config identity")
	}
	if err := (&hot_compiler.Config{Packages: []string{"./ctrl"}, OutputDir: "plugins"}).Validate(); err != nil {
		t.Errorf("the minimal config (packages and outputDir) was refused: %v", err)
	}
	for _, tc := range []struct {
		bad  *hot_compiler.Config
		want []string // what the error must say
	}{
		{&hot_compiler.Config{OutputDir: "p", PluginBinaryId: "x"}, []string{"packages", "at least one package pattern"}},
		{&hot_compiler.Config{Packages: []string{"."}, PluginBinaryId: "x"}, []string{"outputDir", "plugins directory is required"}},
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", PluginBinaryId: "x", OutputName: "x.so"}, []string{"outputName", "x.so", ".cbus.so"}},
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", PluginBinaryId: "x", DebounceDur: "soon"}, []string{"debounceDur", "soon"}},
	} {
		err := tc.bad.Validate()
		if err == nil {
			t.Errorf("config %+v was accepted", tc.bad)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("config %+v: error %q does not say %q", tc.bad, err, want)
			}
		}
	}
}
