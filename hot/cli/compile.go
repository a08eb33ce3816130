package hot_cli

import (
	"context"
	"errors"
	"fmt"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/urfave/cli/v3"
)

// compileDoc is the help text of the compile command.
const compileDoc = `Builds the packages (each with a NewFactory(bus.Bus) function) into one
plugin for the host, publishes it atomically into the output directory with
its build manifest (.cbus.json), and removes older builds of the same output
pattern. An identical build is not redone. Prints the plugin path. On a
terminal, a progress bar shows the packages compiled out of the total.`

// compileCommand returns the compile command.
func compileCommand(env *Env) *cli.Command {
	return newCommand("compile", "build the packages into a plugin and publish it once", "packages...", compileDoc,
		compilerFlags(env, true, true),
		func(ctx context.Context, cmd *cli.Command) error { return runCompile(ctx, env, cmd) })
}

// runCompile builds and publishes a plugin once.
func runCompile(ctx context.Context, env *Env, cmd *cli.Command) error {
	opts, err := compilerOptions(env, cmd)
	if err != nil {
		return err
	}
	if isTerminal(env.Stderr) && env.Logger.Logger.Out == env.Stderr {
		// On a terminal, a bar shows the build's progress, with the
		// log written above it.
		bar := &progressBar{out: env.Stderr}
		opts.Progress = bar.update
		env.Logger.Logger.SetOutput(bar)
		defer env.Logger.Logger.SetOutput(env.Stderr)
	}
	c, err := hot_compiler.NewCompiler(ctx, opts)
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
	kind := "plugin"
	if opts.Target == hot_compiler.TargetProcess {
		kind = "child executable"
	}
	if res.Unchanged {
		le.Info(kind + " is up to date")
	} else {
		le.WithField("build-dur", res.Timings.Build.String()).Info(kind + " published")
	}
	if res.CodegenDir != "" {
		le.WithField("codegen-dir", res.CodegenDir).Info("build tree kept")
	}
	fmt.Fprintln(env.Stdout, res.PluginPath)
	return nil
}
