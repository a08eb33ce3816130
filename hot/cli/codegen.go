package hot_cli

import (
	"context"
	"fmt"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// codegenDoc is the help text of the codegen command.
const codegenDoc = `Analyzes the packages and writes the plugin's build tree (the generated
plugin main module and the prefixed copies of the packages) without
building it. Prints the directory of the tree, which is kept.`

// runCodegen writes a build tree and prints where.
func runCodegen(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "codegen", "packages...", codegenDoc)
	var f compilerFlags
	f.register(fs, env, false)
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	opts, err := f.options(env, fs.Args())
	if err != nil {
		return err
	}
	opts.KeepCodegen = true
	c, err := hot_compiler.NewCompiler(opts)
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
