package hot_compiler_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// NewCompiler checks the options and fills in the defaults; it touches
// no file. A binary ID or output name that can't name a plugin file the
// loader loads is refused with a *NameError naming the field.
func ExampleNewCompiler() {
	_, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		Packages:   []string{"./mycontroller"},
		BinaryID:   "my-plugin",
		OutputName: "my-plugin.so",
		OutputDir:  "plugins",
		CodegenDir: os.TempDir(),
	})
	var nerr *hot_compiler.NameError
	if errors.As(err, &nerr) {
		fmt.Println(nerr.Field)
	}
	// Output:
	// OutputName
}

// Build compiles the packages into a plugin for this process (or for
// Options.HostBinary) and publishes it with its build manifest. The first
// plugin build on a machine takes 10 s or more; then about a second.
func ExampleCompiler_Build() {
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
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
