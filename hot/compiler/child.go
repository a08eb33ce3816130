package hot_compiler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"
)

// The process target (TargetProcess) builds a child executable: the hot
// packages, unchanged and under their own import paths, linked with a
// generated main that calls hot_ipc.Serve. It is built in the user's own
// module, the module of the work dir, as `go build` there would build it:
//
//   - the generated main is added with go build -overlay, as main.go of a
//     directory childPkgDir of the module root that exists only in the
//     overlay (nothing is written into the user's tree);
//   - outside a workspace, go build runs with -modfile on a copy of the
//     module's go.mod and go.sum in the build dir and -mod=mod, offline
//     (GOPROXY=off): the go command completes the copies from the module
//     cache, and the user's files are never written. A vendor directory is
//     not used: the modules come from the module cache;
//   - in a workspace (go.work), go build runs in it as it is, read-only:
//     its go.sum files must be complete.
//
// Nothing of the host is read or matched: the child is its own process.
// The module must require github.com/hotbus/hotbus (for hot/ipc): a
// module that does not gets a *ChildModuleError that says how to add it.

// childPkgPrefix starts the name of the overlay-only directory of a child's
// main package in the user's module; the build hash's prefix follows.
const childPkgPrefix = "hotbus_child_"

// ChildModuleError is a child executable (the process target) that can't
// be built in the module of the work dir: the module does not provide
// hot/ipc (it does not require github.com/hotbus/hotbus), or the work dir
// is in no module.
type ChildModuleError struct {
	// WorkDir is the compiler's work dir.
	WorkDir string
	// GoMod is the go.mod file of its module ("" if none).
	GoMod string
	// Reason says what is missing and what to do.
	Reason string
	// Output is the go command's output, if it ran.
	Output string
}

// Error names the module, the reason and what to do.
func (e *ChildModuleError) Error() string {
	where := e.GoMod
	if where == "" {
		where = e.WorkDir
	}
	msg := fmt.Sprintf("build child executable in %s: %s", where, e.Reason)
	if e.Output != "" {
		msg += ":\n" + strings.TrimRight(e.Output, "\n")
	}
	return msg
}

// childFlags returns the go build flags of a child executable: none of the
// host's (the child is its own process, nothing is matched); without DWARF
// (-ldflags=-w) unless keepDebugInfo.
func childFlags(keepDebugInfo bool) []string {
	if keepDebugInfo {
		return nil
	}
	return []string{"-ldflags=-w"}
}

// prepareChild is prepare for the process target: it finds the go command
// (any version), analyzes the packages with no host flags, and hashes the
// build with no pins. Every package of a local module that the hot
// packages import is a support package, so its edits are hashed and
// watched: the child links what the sources say, whatever the host links.
func (c *Compiler) prepareChild(ctx context.Context) (*prepared, error) {
	if c.goTool == nil {
		t, err := findGo(ctx, c.opts.GoCommand, "")
		if err != nil {
			return nil, err
		}
		c.goTool = t
	}
	flags := childFlags(c.opts.KeepDebugInfo)
	a, reused, pre, err := c.analyze(ctx, flags, nil)
	if err != nil {
		return nil, err
	}
	if !reused {
		a.CopyLocal(func(_ string, m *packages.Module) bool { return analysis.IsLocal(m) })
		c.watch = analysis.WatchFiles(a)
		c.record = analysis.NewRecord(a, c.watch, pre)
	}
	return c.hashed(nil, c.goTool.version, nil, a, flags, nil)
}

// childModule returns the go.mod file of the work dir's module and the
// go.work file of its workspace ("" outside one), from go env.
func (c *Compiler) childModule(ctx context.Context) (gomod, gowork string, err error) {
	cmd := exec.CommandContext(ctx, c.goTool.path, "env", "GOMOD", "GOWORK")
	isolateBuild(cmd)
	cmd.Dir = c.opts.WorkDir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("build child executable: run %s env in %s: %w", c.goTool.path, c.opts.WorkDir, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out))+"\n", "\n")
	gomod, gowork = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	if gowork == "off" {
		gowork = ""
	}
	if gomod == "" || gomod == os.DevNull {
		return "", "", &ChildModuleError{WorkDir: c.opts.WorkDir, Reason: "the work dir is in no Go module (go env GOMOD is empty): " +
			"the process target builds the child in the work dir's module; set the work dir (workDir) to a directory of a module that requires github.com/hotbus/hotbus"}
	}
	return gomod, gowork, nil
}

// generateChild writes the build tree of a child executable into dir, a
// new build dir of hotbus's: the generated main, the -overlay file that
// puts it into the user's module, and (outside a workspace) the copies of
// the module's go.mod and go.sum that go build uses with -modfile. The
// tree's MainDir is the user's module root, where go build runs.
func (c *Compiler) generateChild(ctx context.Context, p *prepared, dir string) (*codegen.Tree, error) {
	gomod, gowork, err := c.childModule(ctx)
	if err != nil {
		return nil, err
	}
	root := filepath.Dir(gomod)
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, fmt.Errorf("build child executable: read %s: %w", gomod, err)
	}
	modPath := modfile.ModulePath(data)
	if modPath == "" {
		return nil, &ChildModuleError{WorkDir: c.opts.WorkDir, GoMod: gomod, Reason: "its go.mod has no module line: fix the go.mod"}
	}
	pkgDir := childPkgPrefix + p.hash[:codegen.PrefixHashLen]
	mainPath := filepath.Join(root, pkgDir, "main.go")
	if _, err := os.Lstat(filepath.Join(root, pkgDir)); err == nil {
		return nil, &ChildModuleError{WorkDir: c.opts.WorkDir, GoMod: gomod, Reason: fmt.Sprintf(
			"%s exists; hotbus puts the child's generated main there, in the go command's overlay only: remove or rename that directory", filepath.Join(root, pkgDir))}
	}

	spec := codegen.MainSpec{BinaryID: c.opts.BinaryID, BinaryVersion: p.manifest.BinaryVersion, Child: true}
	for _, hp := range p.analysis.Packages {
		spec.Factories = append(spec.Factories, codegen.FactoryImport{ImportPath: hp.ImportPath, Name: hp.Name})
	}
	src, err := codegen.GenerateMain(spec)
	if err != nil {
		return nil, err
	}
	genMain := filepath.Join(dir, "main.go")
	if err := codegen.WriteFile(genMain, src); err != nil {
		return nil, err
	}
	overlay, err := json.MarshalIndent(struct{ Replace map[string]string }{map[string]string{mainPath: genMain}}, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("codegen: encode the overlay: %w", err)
	}
	t := &codegen.Tree{
		Dir: dir, MainDir: root, MainPkg: pkgDir, PluginPath: modPath + "/" + pkgDir,
		GoOverlay: filepath.Join(dir, "overlay.json"), GoWork: gowork,
	}
	if err := codegen.WriteFile(t.GoOverlay, overlay); err != nil {
		return nil, err
	}
	if gowork != "" {
		return t, nil
	}
	t.ModFile = filepath.Join(dir, "go.mod")
	if err := codegen.WriteFile(t.ModFile, data); err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("build child executable: read %s: %w", filepath.Join(root, "go.sum"), err)
	}
	if err := codegen.WriteFile(filepath.Join(dir, "go.sum"), sum); err != nil {
		return nil, err
	}
	return t, nil
}

// childModuleError returns a *ChildModuleError if the go build output
// says that the module does not provide hot/ipc, else nil.
func childModuleError(workDir string, t *codegen.Tree, output string) error {
	if !strings.Contains(output, "providing package "+codegen.HotIPCPkgPath) &&
		!strings.Contains(output, "provides package "+codegen.HotIPCPkgPath) {
		return nil
	}
	gomod := filepath.Join(t.MainDir, "go.mod")
	return &ChildModuleError{WorkDir: workDir, GoMod: gomod, Output: output, Reason: fmt.Sprintf(
		"the child executable's main imports %s, which no module required by %s provides: "+
			"run `go get github.com/hotbus/hotbus` in %s (the version of the hotbus that runs the process loader; or require it and replace it with a local copy), then build again",
		codegen.HotIPCPkgPath, gomod, t.MainDir)}
}
