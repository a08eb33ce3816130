// Package hot_cli implements the hot-builder command line: one file per
// command, dispatched by [Run].
//
//	hot-builder compile [flags] packages...   build and publish a plugin once
//	hot-builder codegen [flags] packages...   write the build tree only
//	hot-builder daemon --config bus.yaml      run a host applying a config set
//	hot-builder manifest [--dir plugins]      print what a loader has loaded
//
// Every flag has an environment variable fallback (HOTBUS_*), listed by
// "hot-builder <command> --help".
package hot_cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/sirupsen/logrus"
)

// Env is what a command may use of its surroundings.
type Env struct {
	// Stdout receives the command's results (paths).
	Stdout io.Writer
	// Stderr receives usage and errors.
	Stderr io.Writer
	// Logger receives progress logs.
	Logger *logrus.Entry
	// Getenv reads environment variables (flag fallbacks). Default: os.Getenv.
	Getenv func(string) string
}

// Command is one hot-builder subcommand.
type Command struct {
	// Name is the word that selects the command.
	Name string
	// Summary is a one-line description for the command list.
	Summary string
	// Run runs the command with the arguments after its name. Returning
	// flag.ErrHelp means help was printed.
	Run func(ctx context.Context, env *Env, args []string) error
}

// Commands returns the hot-builder commands, sorted by name. To add one,
// add it here.
func Commands() []*Command {
	cmds := []*Command{
		{Name: "bench", Summary: "measure reload latency against go build and a restart, memory and goroutines per reload", Run: runBench},
		{Name: "compile", Summary: "build the packages into a plugin and publish it once", Run: runCompile},
		{Name: "codegen", Summary: "write the plugin's build tree only, and keep it for inspection", Run: runCodegen},
		{Name: "manifest", Summary: "print what the loader of a plugins directory has loaded", Run: runManifest},
		{Name: "daemon", Summary: "run a host that applies a config set YAML with the hotbus factories registered", Run: runDaemon},
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

// Run runs the command named by args[0] and returns the exit code: 0 on
// success or help, 2 on usage errors, 1 on failures.
func Run(ctx context.Context, env *Env, args []string) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Logger == nil {
		l := logrus.New()
		l.Out = env.Stderr
		env.Logger = logrus.NewEntry(l)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return Run(ctx, env, []string{args[1], "--help"})
		}
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range Commands() {
		if c.Name != args[0] {
			continue
		}
		err := c.Run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(env.Stderr, "hot-builder %s: %v\n", c.Name, err)
			return 2
		default:
			fmt.Fprintf(env.Stderr, "hot-builder %s: %v\n", c.Name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "hot-builder: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

// usage prints the command list.
func usage(w io.Writer) {
	fmt.Fprintln(w, "hot-builder builds hot-reloadable controllerbus plugins.")
	fmt.Fprintln(w, "\nUsage: hot-builder <command> [flags] [packages]\n\nCommands:")
	for _, c := range Commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(w, "\nRun \"hot-builder <command> --help\" for a command's flags.")
}

// parseFlags parses args into fs. Help is returned as flag.ErrHelp, other
// mistakes as usage errors; without positional, arguments after the flags
// are a mistake too.
func parseFlags(fs *flag.FlagSet, args []string, positional bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if !positional && fs.NArg() != 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

// Error returns the message.
func (e usageError) Error() string { return e.msg }

// compilerFlags are the flags compile and codegen share.
type compilerFlags struct {
	workDir, codegenDir, output, binaryID, binaryVersion string
	buildPrefix, hostBinary, hostModuleDir               string
	noCleanup, keepCodegen                               bool
}

// envFlag documents a flag's environment variable in its usage.
func envFlag(usage, name string) string {
	return usage + " (env " + name + ")"
}

// register adds the shared flags to fs, defaulting to the environment.
func (f *compilerFlags) register(fs *flag.FlagSet, env *Env, build bool) {
	str := func(p *string, name, envName, usage string) {
		fs.StringVar(p, name, env.Getenv(envName), envFlag(usage, envName))
	}
	boolean := func(p *bool, name, envName, usage string) {
		def, _ := strconv.ParseBool(env.Getenv(envName))
		fs.BoolVar(p, name, def, envFlag(usage, envName))
	}
	str(&f.workDir, "work-dir", "HOTBUS_WORK_DIR", "directory the package patterns resolve in (default: the current directory)")
	str(&f.codegenDir, "codegen-dir", "HOTBUS_CODEGEN_DIR", "where build trees are written (default: the user cache dir)")
	str(&f.binaryID, "binary-id", "HOTBUS_BINARY_ID", "plugin binary ID, the same for every build (default: the first package's name)")
	str(&f.binaryVersion, "binary-version", "HOTBUS_BINARY_VERSION", "plugin binary version; {buildHash} is replaced (default: {buildHash})")
	str(&f.buildPrefix, "build-prefix", "HOTBUS_BUILD_PREFIX", "first element of the per-build import-path prefix (default: hotbus)")
	str(&f.hostBinary, "host-binary", "HOTBUS_HOST_BINARY", "host executable the plugin must load into (default: hot-builder itself, as run by \"hot-builder daemon\")")
	str(&f.hostModuleDir, "host-module-dir", "HOTBUS_HOST_MODULE_DIR", "source dir of the host's main module if it was built from source (default: found)")
	if build {
		str(&f.output, "output", "HOTBUS_OUTPUT", "plugin output: a plugins directory, or a path ending in "+hot_plugin.PluginSuffix+" that may contain {buildHash} (default: ./plugins)")
		boolean(&f.noCleanup, "no-cleanup", "HOTBUS_NO_CLEANUP", "keep older builds of the same output pattern")
		boolean(&f.keepCodegen, "keep-codegen", "HOTBUS_KEEP_CODEGEN", "keep the build tree after building")
	}
}

// options converts the flags and package arguments.
func (f *compilerFlags) options(env *Env, pkgs []string) (hot_compiler.Options, error) {
	if len(pkgs) == 0 {
		return hot_compiler.Options{}, usageError{"no packages given: list the hot controller packages (e.g. ./mycontroller)"}
	}
	opts := hot_compiler.Options{
		WorkDir:       f.workDir,
		CodegenDir:    f.codegenDir,
		BinaryID:      f.binaryID,
		BinaryVersion: f.binaryVersion,
		BuildPrefix:   f.buildPrefix,
		HostBinary:    f.hostBinary,
		HostModuleDir: f.hostModuleDir,
		Packages:      pkgs,
		KeepCodegen:   f.keepCodegen,
		NoCleanup:     f.noCleanup,
		Logger:        env.Logger,
	}
	if opts.BinaryID == "" {
		opts.BinaryID = defaultBinaryID(pkgs[0])
	}
	out := f.output
	if out == "" {
		out = "plugins"
	}
	if strings.HasSuffix(out, hot_plugin.PluginSuffix) {
		opts.OutputDir, opts.OutputName = filepath.Dir(out), filepath.Base(out)
	} else {
		opts.OutputDir = out
	}
	return opts, nil
}

// defaultBinaryID derives a binary ID from a package pattern: its last
// path element without "...".
func defaultBinaryID(pattern string) string {
	p := strings.TrimSuffix(strings.TrimSuffix(pattern, "..."), "/")
	id := filepath.Base(filepath.ToSlash(p))
	if id == "." || id == "/" || id == "" {
		return "plugin"
	}
	return id
}

// newFlagSet returns a flag set whose usage names the command.
func newFlagSet(env *Env, name, args, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet("hot-builder "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: hot-builder %s [flags] %s\n\n%s\n\nFlags:\n", name, args, doc)
		fs.PrintDefaults()
	}
	return fs
}
