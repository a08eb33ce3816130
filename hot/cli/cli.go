// Package hot_cli implements the hot-builder command line on urfave/cli:
// one file per command, put together by [NewCommand] and run by [Run].
//
//	hot-builder compile [flags] packages...   build and publish a plugin once
//	hot-builder codegen [flags] packages...   write the build tree only
//	hot-builder watch [flags] packages...     rebuild and publish on every save, without a host
//	hot-builder daemon --config bus.yaml      run a host applying a config set
//	hot-builder manifest [--dir plugins]      print what a loader has loaded
//	hot-builder bench                         measure reloads
//	hot-builder completion bash|zsh|fish      print a shell completion script
//
// Every flag of compile, codegen, watch, daemon and manifest has an
// environment variable fallback (HOTBUS_*), listed by
// "hot-builder <command> --help". "hot-builder --version" prints the
// version of hotbus it was built from.
package hot_cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"
)

// Env is what a command may use of its surroundings.
type Env struct {
	// Stdout receives the command's results (paths), help and the version.
	Stdout io.Writer
	// Stderr receives errors.
	Stderr io.Writer
	// Logger receives progress logs.
	Logger *logrus.Entry
	// Getenv reads environment variables (flag fallbacks). Default: os.Getenv.
	Getenv func(string) string
}

// Run runs the command line args (without the program name) and returns
// the exit code: 0 on success or help, 2 on usage errors, 1 on failures.
func Run(ctx context.Context, env *Env, args []string) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Logger == nil {
		l := logrus.New()
		l.Out = env.Stderr
		env.Logger = logrus.NewEntry(l)
	}
	err := NewCommand(env).Run(ctx, append([]string{"hot-builder"}, args...))
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		if ue.msg != "" {
			fmt.Fprintf(env.Stderr, "%s: %s\nRun \"%s --help\" for usage.\n", ue.cmd, ue.msg, ue.cmd)
		}
		return 2
	}
	var ce commandError
	if errors.As(err, &ce) {
		fmt.Fprintf(env.Stderr, "%s: %v\n", ce.cmd, ce.err)
		return 1
	}
	fmt.Fprintf(env.Stderr, "hot-builder: %v\n", err)
	return 1
}

// NewCommand returns the hot-builder command with its subcommands, reading
// and writing through env (whose Getenv and Logger must be set). Errors
// are returned, never passed to os.Exit.
func NewCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:                  "hot-builder",
		Usage:                 "build hot-reloadable controllerbus plugins",
		Version:               Version(),
		UsageText:             "hot-builder <command> [flags] [packages]",
		Writer:                env.Stdout,
		ErrWriter:             env.Stderr,
		EnableShellCompletion: true,
		Suggest:               true,
		ExitErrHandler:        func(context.Context, *cli.Command, error) {},
		OnUsageError:          onUsageError,
		Commands: []*cli.Command{
			benchCommand(env),
			codegenCommand(env),
			compileCommand(env),
			daemonCommand(env),
			manifestCommand(env),
			watchCommand(env),
		},
		Action: func(_ context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 0 {
				return usageError{"hot-builder", fmt.Sprintf("unknown command %q", cmd.Args().First())}
			}
			// No command is a mistake: the help goes with the errors.
			cli.HelpPrinter(env.Stderr, cli.RootCommandHelpTemplate, cmd)
			return usageError{cmd: "hot-builder"}
		},
	}
}

// newCommand returns a subcommand running action, whose errors name the
// command.
func newCommand(name, usage, argsUsage, doc string, flags []cli.Flag, action func(context.Context, *cli.Command) error) *cli.Command {
	return &cli.Command{
		Name:         name,
		Usage:        usage,
		ArgsUsage:    argsUsage,
		Description:  doc,
		Flags:        flags,
		OnUsageError: onUsageError,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if argsUsage == "" && cmd.NArg() != 0 {
				return usageError{"hot-builder " + name, fmt.Sprintf("unexpected arguments %q", cmd.Args().Slice())}
			}
			err := action(ctx, cmd)
			var ue usageError
			if err == nil || errors.As(err, &ue) {
				return err
			}
			return commandError{"hot-builder " + name, err}
		},
	}
}

// onUsageError turns a flag parsing error into a usage error.
func onUsageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	return usageError{cmd.FullName(), err.Error()}
}

// usageError is a mistake in the command line of cmd. An empty msg means
// the help was shown instead.
type usageError struct{ cmd, msg string }

// Error returns the message.
func (e usageError) Error() string { return e.cmd + ": " + e.msg }

// commandError is the failure of the command cmd.
type commandError struct {
	cmd string
	err error
}

// Error names the command and the failure.
func (e commandError) Error() string { return e.cmd + ": " + e.err.Error() }

// Unwrap returns the failure.
func (e commandError) Unwrap() error { return e.err }

// envSource reads a flag's value from an environment variable through
// Env.Getenv; an empty variable counts as unset.
type envSource struct {
	key    string
	getenv func(string) string
}

// Lookup returns the variable's value, if it is set and not empty.
func (s envSource) Lookup() (string, bool) {
	v := s.getenv(s.key)
	return v, v != ""
}

// String names the variable.
func (s envSource) String() string { return fmt.Sprintf("environment variable %q", s.key) }

// GoString names the variable.
func (s envSource) GoString() string { return fmt.Sprintf("envSource{key:%q}", s.key) }

// IsFromEnv reports that the source is the environment, for the help.
func (s envSource) IsFromEnv() bool { return true }

// Key returns the variable's name, for the help.
func (s envSource) Key() string { return s.key }

// fromEnv returns the sources of a flag whose fallback is the variable key.
func fromEnv(env *Env, key string) cli.ValueSourceChain {
	return cli.NewValueSourceChain(envSource{key: key, getenv: env.Getenv})
}

// compilerFlags returns the flags compile, codegen and watch share; build
// adds those of commands that build (output, keep-codegen); plain adds
// those the Compiler takes but the compiler config does not (compile and
// codegen only).
func compilerFlags(env *Env, build, plain bool) []cli.Flag {
	str := func(name, key, usage string) cli.Flag {
		return &cli.StringFlag{Name: name, Usage: usage, Sources: fromEnv(env, key)}
	}
	flags := []cli.Flag{
		str("work-dir", "HOTBUS_WORK_DIR", "directory the package patterns resolve in (default: the current directory)"),
		str("codegen-dir", "HOTBUS_CODEGEN_DIR", "where build trees are written (default: the user cache dir)"),
		str("binary-id", "HOTBUS_BINARY_ID", "plugin binary ID, the same for every build (default: derived from the first package's module and path, as the compiler config does)"),
		str("binary-version", "HOTBUS_BINARY_VERSION", "plugin binary version; {buildHash} is replaced (default: {buildHash})"),
		str("build-prefix", "HOTBUS_BUILD_PREFIX", "first element of the per-build import-path prefix (default: hotbus)"),
		str("host-binary", "HOTBUS_HOST_BINARY", "host executable the plugin must load into (default: hot-builder itself, as run by \"hot-builder daemon\")"),
		str("target", "HOTBUS_TARGET", "what to build: plugin (a Go plugin, "+hot_plugin.PluginSuffix+", loaded into the host process by hotbus/loader/filesystem; the default) "+
			"or process (a child executable, "+hot_manifest.ProcessSuffix+", run by hotbus/loader/process; built in the work dir's module, which must require github.com/hotbus/hotbus)"),
	}
	if plain {
		flags = append(flags, str("host-module-dir", "HOTBUS_HOST_MODULE_DIR", "source dir of the host's main module if it was built from source (default: found)"))
	}
	if build {
		flags = append(flags,
			str("output", "HOTBUS_OUTPUT", "plugin output: a plugins directory, or a path ending in "+hot_plugin.PluginSuffix+" (target process: "+hot_manifest.ProcessSuffix+") that may contain {buildHash} (default: ./plugins)"),
			&cli.BoolFlag{Name: "keep-codegen", Usage: "keep the build tree after building", Sources: fromEnv(env, "HOTBUS_KEEP_CODEGEN")},
		)
		if plain {
			flags = append(flags, &cli.BoolFlag{Name: "no-cleanup", Usage: "keep older builds of the same output pattern", Sources: fromEnv(env, "HOTBUS_NO_CLEANUP")})
		}
	}
	return flags
}

// compilerOptions converts the flags of cmd (from compilerFlags) and its
// package arguments.
func compilerOptions(env *Env, cmd *cli.Command) (hot_compiler.Options, error) {
	pkgs := cmd.Args().Slice()
	if len(pkgs) == 0 {
		return hot_compiler.Options{}, usageError{cmd.FullName(), "no packages given: list the hot controller packages (e.g. ./mycontroller)"}
	}
	opts := hot_compiler.Options{
		WorkDir:       cmd.String("work-dir"),
		CodegenDir:    cmd.String("codegen-dir"),
		BinaryID:      cmd.String("binary-id"),
		BinaryVersion: cmd.String("binary-version"),
		BuildPrefix:   cmd.String("build-prefix"),
		HostBinary:    cmd.String("host-binary"),
		Target:        cmd.String("target"),
		Packages:      pkgs,
		Logger:        env.Logger,
	}
	if has(cmd, "host-module-dir") {
		opts.HostModuleDir = cmd.String("host-module-dir")
	}
	if has(cmd, "keep-codegen") {
		opts.KeepCodegen = cmd.Bool("keep-codegen")
	}
	if has(cmd, "no-cleanup") {
		opts.NoCleanup = cmd.Bool("no-cleanup")
	}
	out := "plugins"
	if has(cmd, "output") && cmd.String("output") != "" {
		out = cmd.String("output")
	}
	if strings.HasSuffix(out, hot_plugin.PluginSuffix) || strings.HasSuffix(out, hot_manifest.ProcessSuffix) {
		opts.OutputDir, opts.OutputName = filepath.Dir(out), filepath.Base(out)
	} else {
		opts.OutputDir = out
	}
	return opts, nil
}

// has reports whether cmd defines the flag name.
func has(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}
