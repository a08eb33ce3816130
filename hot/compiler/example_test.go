package hot_compiler_test

import (
	"context"
	"fmt"
	"os"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// NewCompiler checks the options and fills in the defaults; it touches
// no file. The plugin file name carries the build hash, so that every
// build has a path of its own (the runtime opens a path once).
func ExampleNewCompiler() {
	c, err := hot_compiler.NewCompiler(hot_compiler.Options{
		Packages:   []string{"./mycontroller"},
		BinaryID:   "my-plugin",
		OutputDir:  "plugins",
		CodegenDir: os.TempDir(),
	})
	if err != nil {
		panic(err)
	}
	opts := c.Options()
	fmt.Println(opts.OutputName)
	fmt.Println(opts.BinaryVersion)
	fmt.Println(opts.BuildPrefix)
	// Output:
	// my-plugin-{buildHash}.cbus.so
	// {buildHash}
	// hotbus
}

// Build compiles the packages into a plugin for this process (or for
// Options.HostBinary) and publishes it with its build manifest. The first
// plugin build on a machine takes 10 s or more; then about a second.
func ExampleCompiler_Build() {
	c, err := hot_compiler.NewCompiler(hot_compiler.Options{
		WorkDir:       ".", // inside the module that holds the packages
		Packages:      []string{"./mycontroller"},
		BinaryID:      "my-plugin",
		BinaryVersion: "0.0.1+{buildHash}",
		OutputDir:     "plugins",
	})
	if err != nil {
		panic(err)
	}
	res, err := c.Build(context.Background())
	if err != nil {
		// A *BuildError holds the compiler's output, with the user's
		// file names; an *AnalysisError lists the packages' problems.
		panic(err)
	}
	fmt.Println(res.PluginPath, res.Build.BuildHash, res.Unchanged)
}
