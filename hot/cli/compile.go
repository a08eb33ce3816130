package hot_cli

import (
	"context"
	"errors"
	"fmt"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// compileDoc is the help text of the compile command.
const compileDoc = `Builds the packages (each with a NewFactory(bus.Bus) function) into one
plugin for the host, publishes it atomically into the output directory with
its build manifest (.cbus.json), and removes older builds of the same output
pattern. An identical build is not redone. Prints the plugin path.`

// runCompile builds and publishes a plugin once.
func runCompile(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "compile", "packages...", compileDoc)
	var f compilerFlags
	f.register(fs, env, true)
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	opts, err := f.options(env, fs.Args())
	if err != nil {
		return err
	}
	c, err := hot_compiler.NewCompiler(opts)
	if err != nil {
		return err
	}
	res, err := c.Build(ctx)
	if err != nil {
		var berr *hot_compiler.BuildError
		if errors.As(err, &berr) {
			fmt.Fprint(env.Stderr, berr.Output)
			return fmt.Errorf("build of %s failed; nothing was published", opts.BinaryID)
		}
		return err
	}
	le := env.Logger.WithField("plugin-path", res.PluginPath).WithField("build-hash", res.Build.BuildHash)
	if res.Unchanged {
		le.Info("plugin is up to date")
	} else {
		le.WithField("build-dur", res.Timings.Build.String()).Info("plugin published")
	}
	if res.CodegenDir != "" {
		le.WithField("codegen-dir", res.CodegenDir).Info("build tree kept")
	}
	fmt.Fprintln(env.Stdout, res.PluginPath)
	return nil
}
