package hot_compiler_test

import (
	"context"
	"errors"
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
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", Target: "exe"}, []string{"target", `"exe"`, `"plugin"`, `"process"`}},
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", Target: "Process"}, []string{"target", `"Process"`, `"plugin"`, `"process"`}},
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", Target: "process", OutputName: "x-{buildHash}.cbus.so"}, []string{"outputName", ".cbus.exe", "hotbus/loader/process"}},
		{&hot_compiler.Config{Packages: []string{"."}, OutputDir: "p", Target: "plugin", OutputName: "x-{buildHash}.cbus.exe"}, []string{"outputName", ".cbus.so", "hotbus/loader/filesystem"}},
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

// TestConfigTarget checks the target field: empty, "plugin" and "process"
// are accepted, each with the output names of its suffix, and the target
// reaches the options.
func TestConfigTarget(t *testing.T) {
	for _, tc := range []struct {
		target, outputName string
	}{
		{"", ""},
		{"plugin", ""},
		{"plugin", "x-{buildHash}.cbus.so"},
		{"process", ""},
		{"process", "x-{buildHash}.cbus.exe"},
	} {
		conf := &hot_compiler.Config{Packages: []string{"./ctrl"}, OutputDir: "p", PluginBinaryId: "x", Target: tc.target, OutputName: tc.outputName}
		if err := conf.Validate(); err != nil {
			t.Errorf("target %q, output name %q: %v", tc.target, tc.outputName, err)
		}
		if got := conf.ToOptions(nil).Target; got != tc.target {
			t.Errorf("target %q became the option %q", tc.target, got)
		}
	}
	_, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{Packages: []string{"./ctrl"}, BinaryID: "x", Target: "dll"})
	var te *hot_compiler.TargetError
	if !errors.As(err, &te) || te.Field != "Target" || te.Value != "dll" {
		t.Errorf("NewCompiler with target dll: %v, want a *TargetError for the field Target", err)
	}
}
