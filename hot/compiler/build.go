package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/internal/hostinfo"
	"github.com/sirupsen/logrus"
)

// BuildError is a failed go build of the plugin: usually a compile error
// in the user's code. Output is the go command's output with the overlay
// paths and import paths rewritten to the user's original ones.
type BuildError struct {
	// BinaryID is the plugin being built.
	BinaryID string
	// Packages are the hot packages, as in the sources.
	Packages []string
	// Output is the rewritten compiler output.
	Output string
	// Err is the go command's exit error.
	Err error
}

// Error returns the compiler output after a one-line summary.
func (e *BuildError) Error() string {
	return fmt.Sprintf("build plugin %s (%s): %v; nothing was published:\n%s",
		e.BinaryID, strings.Join(e.Packages, ", "), e.Err, strings.TrimRight(e.Output, "\n"))
}

// Unwrap returns the go command's error.
func (e *BuildError) Unwrap() error {
	return e.Err
}

// MissingModuleError is a module the offline build needs that is not in
// the module cache.
type MissingModuleError struct {
	// Module and Version name what is missing.
	Module, Version string
	// Output is the go command's output.
	Output string
}

// Error names the module and the command that fetches it.
func (e *MissingModuleError) Error() string {
	return fmt.Sprintf("module %s@%s is not in the module cache, and plugin builds run offline (GOPROXY=off): "+
		"run `go mod download %s@%s` and build again:\n%s", e.Module, e.Version, e.Module, e.Version, strings.TrimRight(e.Output, "\n"))
}

// GoVersionError is a go command of another version than the host's.
type GoVersionError struct {
	// GoCmd is the go command.
	GoCmd string
	// Host and Go are the host's and the go command's versions.
	Host, Go string
}

// Error names both versions and what to do.
func (e *GoVersionError) Error() string {
	return fmt.Sprintf("the host was built with %s but %s is %s (GOTOOLCHAIN=local): plugins must be built by the host's exact Go version; "+
		"install %s and put its go command first on PATH", e.Host, e.GoCmd, e.Go, e.Host)
}

// goTool is a checked go command.
type goTool struct {
	path, version, goroot string
}

// findGo returns the go command at path (or on PATH) if its version is
// want; any version if want is "" (the process target).
func findGo(ctx context.Context, path, want string) (*goTool, error) {
	if path == "" {
		p, err := exec.LookPath("go")
		if err != nil {
			if want == "" {
				return nil, fmt.Errorf("the go command was not found on PATH: install Go, or give its path (GoCommand): %w", err)
			}
			return nil, fmt.Errorf("the go command was not found on PATH: install %s: %w", want, err)
		}
		path = p
	}
	cmd := exec.CommandContext(ctx, path, "env", "GOVERSION", "GOROOT")
	isolateBuild(cmd)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("run %s env: %w", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("run %s env: unexpected output %q", path, out)
	}
	t := &goTool{path: path, version: strings.TrimSpace(lines[0]), goroot: strings.TrimSpace(lines[1])}
	if want != "" && t.version != want {
		return nil, &GoVersionError{GoCmd: path, Host: want, Go: t.version}
	}
	return t, nil
}

// buildEnv is the environment of the offline plugin build: in module
// mode with go.sum filled from the module cache, or in the workspace
// gowork (whose go.sum files must be complete).
func buildEnv(hostEnv []string, gowork string) []string {
	drop := map[string]bool{
		"GOFLAGS": true, "GOWORK": true, "GOPROXY": true, "GOSUMDB": true, "GOTOOLCHAIN": true,
		"GO111MODULE": true, "GONOSUMDB": true, "GONOSUMCHECK": true,
	}
	for _, k := range hostinfo.EnvKeys() {
		drop[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	if gowork == "" {
		env = append(env, "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	} else {
		env = append(env, "GOFLAGS=-buildvcs=false", "GOWORK="+gowork)
	}
	env = append(env, "GOPROXY=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	return append(env, hostEnv...)
}

// fillSums lists the plugin main package's dependencies in module mode
// with -mod=mod, which writes go.sum from the module cache.
func fillSums(ctx context.Context, goCmd string, t *codegen.Tree, flags, env []string) error {
	args := []string{"list", "-deps"}
	for _, f := range flags {
		if strings.HasPrefix(f, "-tags=") {
			args = append(args, f)
		}
	}
	args = append(args, t.GoFlags()...)
	cmd := exec.CommandContext(ctx, goCmd, append(args, t.MainPackage())...)
	isolateBuild(cmd)
	cmd.Dir = t.MainDir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if mod, v, ok := analysis.LookupDisabled(string(out)); ok {
			return &MissingModuleError{Module: mod, Version: v, Output: string(out)}
		}
		if ferr := goFailure(string(out), err); ferr != nil {
			return fmt.Errorf("codegen: fill go.sum of %s: %w", t.MainDir, ferr)
		}
		return fmt.Errorf("codegen: fill go.sum of %s: %w\n%s", t.MainDir, err, t.ExplainGoMod(string(out)))
	}
	return nil
}

// goBuild runs go build in the tree's main module, writing the plugin to
// out. It runs go build -json -v (Go 1.24 and later) to follow the
// build's progress (see progressTracker); errors carry the output go build
// prints without those flags.
func goBuild(ctx context.Context, goCmd string, t *codegen.Tree, flags, env []string, out string, pkgs []*analysis.HotPackage, binaryID string, le *logrus.Entry, progress func(BuildProgress)) error {
	args := append([]string{"build", "-json", "-v"}, flags...)
	args = append(args, t.GoFlags()...)
	args = append(args, "-o", out, t.MainPackage())
	cmd := exec.CommandContext(ctx, goCmd, args...)
	isolateBuild(cmd)
	cmd.Dir = t.MainDir
	cmd.Env = env
	tracker := newProgressTracker(le, progress, binaryID, func(ctx context.Context) ([]string, error) {
		return staleDeps(ctx, goCmd, t.MainDir, t.MainPackage(), append(slices.Clip(flags), t.GoFlags()...), env)
	})
	output := &buildOutput{started: tracker.packageStarted}
	cmd.Stdout = output
	cmd.Stderr = &output.stderr
	stopTracking := tracker.start(ctx)
	err := cmd.Run()
	stopTracking()
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("build plugin %s: canceled: %w", binaryID, context.Cause(ctx))
	}
	text := output.String()
	if mod, v, ok := analysis.LookupDisabled(text); ok {
		return &MissingModuleError{Module: mod, Version: v, Output: text}
	}
	if ferr := goFailure(text, err); ferr != nil {
		return fmt.Errorf("build plugin %s: %w", binaryID, ferr)
	}
	var paths []string
	for _, p := range pkgs {
		paths = append(paths, p.ImportPath)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("build plugin %s: run %s: %w", binaryID, goCmd, err)
	}
	if exitErr.ExitCode() == -1 {
		// Killed by a signal (the OOM killer, a user): not the code.
		return fmt.Errorf("build plugin %s: %s build was stopped by a signal (%w) before it finished: "+
			"if the machine ran out of memory, free some; then save again:\n%s", binaryID, goCmd, err, strings.TrimRight(text, "\n"))
	}
	return &BuildError{BinaryID: binaryID, Packages: paths, Output: t.RewriteOutput(t.ExplainGoMod(text), pkgs), Err: err}
}
