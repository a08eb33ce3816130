package hot_cli

import (
	"context"
	"fmt"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/urfave/cli/v3"
)

// codegenDoc is the help text of the codegen command.
const codegenDoc = `Analyzes the packages and writes the plugin's build tree (the generated
plugin main module and the prefixed copies of the packages) without
building it. Prints the directory of the tree, which is kept.`

// codegenCommand returns the codegen command.
func codegenCommand(env *Env) *cli.Command {
	return newCommand("codegen", "write the plugin's build tree only, and keep it for inspection", "packages...", codegenDoc,
		compilerFlags(env, false, true),
		func(ctx context.Context, cmd *cli.Command) error { return runCodegen(ctx, env, cmd) })
}

// runCodegen writes a build tree and prints where.
func runCodegen(ctx context.Context, env *Env, cmd *cli.Command) error {
	opts, err := compilerOptions(env, cmd)
	if err != nil {
		return err
	}
	opts.KeepCodegen = true
	c, err := hot_compiler.NewCompiler(ctx, opts)
	if err != nil {
		return err
	}
	res, err := c.Codegen(ctx)
	if err != nil {
		return err
	}
	env.Logger.WithField("codegen-dir", res.CodegenDir).WithField("build-hash", res.Build.BuildHash).Info("build tree written")
	fmt.Fprintln(env.Stdout, res.CodegenDir)
	return nil
}
