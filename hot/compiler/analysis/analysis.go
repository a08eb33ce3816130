package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/types"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

const (
	// BusPkgPath is the import path of controllerbus's bus package.
	BusPkgPath = "github.com/aperturerobotics/controllerbus/bus"
	// ControllerPkgPath is the import path of controllerbus's controller package.
	ControllerPkgPath = "github.com/aperturerobotics/controllerbus/controller"
	// FactoryFunc is the function every hot package must declare.
	FactoryFunc = "NewFactory"
)

// Analysis is what the compiler learned about the hot packages.
type Analysis struct {
	// Packages are the hot packages, sorted by import path.
	Packages []*HotPackage
	// Support are packages copied with the hot packages without being
	// listed: the internal packages they import, which a prefixed copy
	// could not import otherwise. Sorted by import path.
	Support []*HotPackage
	// Modules are the modules the hot packages and their dependencies come
	// from, as the work dir resolves them, by module path.
	Modules map[string]*packages.Module
	// GoWork is the go.work file in use in the work dir, if any.
	GoWork string
	// Deps are the packages of the closure by import path.
	Deps map[string]*packages.Package
	// DepModules maps each non-standard package in the hot packages'
	// dependency closure to its module path.
	DepModules map[string]string
}

// HotPackage is one package listed for hot reloading.
type HotPackage struct {
	// ImportPath is the package's import path.
	ImportPath string
	// Name is the package name.
	Name string
	// Dir is the package's source directory.
	Dir string
	// Module is the module the package belongs to.
	Module *packages.Module
	// Files are the package's non-test files (Go and others, including
	// files excluded by build constraints and embedded files), absolute.
	Files []string
	// FactoryResult is the type NewFactory returns, as written in Go.
	FactoryResult string
	// ConfigID is the value of the package's string constant ConfigID,
	// if it declares one.
	ConfigID string
}

// Problem is one problem with an input package.
type Problem struct {
	// Package is the package (or pattern) the problem is in.
	Package string
	// Pos is "file:line:col" when known.
	Pos string
	// Kind is "load", "type", "compile" (compiler output, positions in
	// Msg) or "factory".
	Kind string
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "pos: msg (package)".
func (p Problem) String() string {
	s := p.Msg
	if p.Pos != "" {
		s = p.Pos + ": " + s
	}
	return s + " (package " + p.Package + ", " + p.Kind + " error)"
}

// AnalysisError lists every problem found in the input packages.
type AnalysisError struct {
	Problems []Problem
	// files are the source and go.mod files of the packages that were
	// found: a watcher waits on them for the fix.
	files []string
}

// Files are the source and go.mod files of the packages that were
// found: a watcher waits on them for the fix.
func (e *AnalysisError) Files() []string {
	return e.files
}

// Error lists the problems, one a line.
func (e *AnalysisError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "analysis of the hot packages found %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// rootFiles lists the files of the loaded packages whose change can
// fix a failed analysis: their Go and other source files, and the go.mod
// and go.sum of their modules outside the module cache.
func rootFiles(roots []*packages.Package) []string {
	set := map[string]bool{}
	for _, p := range roots {
		for _, f := range slices.Concat(p.GoFiles, p.OtherFiles, p.IgnoredFiles) {
			set[f] = true
		}
		if p.Module == nil {
			continue
		}
		if gm := GoModOf(p.Module); gm != "" && !inModuleCache(gm) {
			set[gm] = true
			set[strings.TrimSuffix(gm, ".mod")+".sum"] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Options configure Analyze. The zero value works: the go command on
// PATH, the process's environment, the default build flags.
type Options struct {
	// GoCommand is the go command that lists the packages and compiles
	// the export data of their imports, and that finds the go.work file
	// in use: a path, or a name looked up on the process's PATH (as
	// os/exec does). Default: the go command found first on the PATH that
	// Env sets, else on the process's PATH.
	GoCommand string
	// Env is added to the go command's environment (after the
	// process's own, so it wins).
	Env []string
	// BuildFlags are go list's build flags. Give the build's own flags
	// (-buildmode, -tags, -trimpath, -ldflags...): the export data the
	// analysis compiles then is the build's, and a cold build cache
	// compiles each dependency once, not once for each.
	BuildFlags []string
	// Isolate, if set, prepares each go list before it starts: the
	// compiler runs it in a process group of its own, killed as a whole
	// when ctx ends, as its builds are (a go list -export compiles).
	Isolate func(*exec.Cmd)
}

// Analyze loads the package patterns in workDir, checks their NewFactory
// functions and lists the modules of their dependencies: go list of the
// patterns with their dependencies, the roots type-checked from source
// against the export data of their imports. Problems with the packages
// are an *AnalysisError; other errors are failures to run the go command.
func Analyze(ctx context.Context, workDir string, patterns []string, opts Options) (*Analysis, error) {
	if len(patterns) == 0 {
		return nil, errors.New("analysis: no package patterns given")
	}
	env := append(os.Environ(), opts.Env...)
	goCmd := opts.GoCommand
	if goCmd == "" {
		goCmd = goCommandIn(env)
	}
	type envResult struct {
		vars goEnvVars
		err  error
	}
	envCh := make(chan envResult, 1)
	go func() {
		vars, err := goEnv(ctx, goCmd, workDir, env)
		envCh <- envResult{vars, err}
	}()
	byPath, roots, err := load(ctx, goRun{goCmd, workDir, env, opts.Isolate}, opts.BuildFlags, patterns)
	ge := <-envCh
	if ge.err != nil {
		return nil, fmt.Errorf("analysis: %w", ge.err)
	}
	if err != nil {
		return nil, fmt.Errorf("analysis: load %s: %w", strings.Join(patterns, " "), err)
	}
	typeCheck(roots, byPath, ge.vars.GoArch)

	a := &Analysis{Modules: map[string]*packages.Module{}, DepModules: map[string]string{}, GoWork: ge.vars.GoWork}
	var problems []Problem
	if len(roots) == 0 {
		problems = append(problems, Problem{Package: strings.Join(patterns, " "), Kind: "load", Msg: "the patterns match no packages"})
	}
	isRoot := map[*packages.Package]bool{}
	for _, p := range roots {
		isRoot[p] = true
		hp, probs := analyzePackage(p, workDir)
		problems = append(problems, probs...)
		if hp != nil {
			a.Packages = append(a.Packages, hp)
		}
	}
	var depProblems []Problem
	seenMsg := map[string]bool{}
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if e.Kind != packages.ListError || seenMsg[e.Msg] || isRoot[p] && strings.HasPrefix(e.Msg, "# ") {
				continue
			}
			seenMsg[e.Msg] = true
			if strings.HasPrefix(e.Msg, "# ") {
				// A dependency that does not compile: the roots' type
				// errors ("could not import") follow from it.
				depProblems = append(depProblems, Problem{Package: p.PkgPath, Kind: "compile", Msg: absCompilerPaths(e.Msg, workDir)})
				continue
			}
			if !isRoot[p] {
				depProblems = append(depProblems, Problem{Package: p.PkgPath, Pos: e.Pos, Kind: "load", Msg: offlineHint(e.Msg)})
			}
		}
		if p.Module == nil {
			return
		}
		a.DepModules[p.PkgPath] = p.Module.Path
		if _, ok := a.Modules[p.Module.Path]; !ok {
			a.Modules[p.Module.Path] = p.Module
		}
	})
	if len(depProblems) != 0 {
		// Why imports failed comes first; type errors follow from it.
		problems = append(depProblems, problems...)
	}
	if len(problems) != 0 {
		return nil, &AnalysisError{Problems: problems, files: rootFiles(roots)}
	}
	sort.Slice(a.Packages, func(i, j int) bool { return a.Packages[i].ImportPath < a.Packages[j].ImportPath })
	for i := 1; i < len(a.Packages); i++ {
		if a.Packages[i].ImportPath == a.Packages[i-1].ImportPath {
			a.Packages = append(a.Packages[:i], a.Packages[i+1:]...)
			i--
		}
	}
	a.Deps = byPath
	a.Support = supportPackages(a.Packages, byPath, nil)
	return a, nil
}

// All returns the hot packages and the support packages.
func (a *Analysis) All() []*HotPackage {
	return append(append([]*HotPackage(nil), a.Packages...), a.Support...)
}

// CopyLocal adds to Support every package of the closure, reachable from
// the hot packages through packages that are copied, for which copy
// returns true; internal packages are always copied. The compiler copies
// the packages of local modules the host does not link, so that an edit
// to them is loaded by the next build rather than colliding with the
// copy an earlier plugin loaded.
func (a *Analysis) CopyLocal(copy func(importPath string, m *packages.Module) bool) {
	a.Support = supportPackages(a.Packages, a.Deps, copy)
}

// IsLocal reports whether m is built from a local directory (a main or
// workspace module or a directory replacement), whose source can change.
func IsLocal(m *packages.Module) bool {
	return m != nil && (m.Main || m.Version == "" || m.Replace != nil && m.Replace.Version == "")
}

// supportPackages returns the internal packages the hot packages import,
// and those extra returns true for, directly or through each other.
func supportPackages(hot []*HotPackage, byPath map[string]*packages.Package, extra func(string, *packages.Module) bool) []*HotPackage {
	copied := map[string]bool{}
	var queue []string
	for _, p := range hot {
		copied[p.ImportPath] = true
		queue = append(queue, p.ImportPath)
	}
	var out []*HotPackage
	for len(queue) != 0 {
		p := byPath[queue[0]]
		queue = queue[1:]
		if p == nil {
			continue
		}
		for imp, ip := range p.Imports {
			if copied[imp] || ip.Module == nil {
				continue
			}
			if !IsInternal(imp) && (extra == nil || !extra(imp, ip.Module)) {
				continue
			}
			dp := byPath[imp]
			if dp == nil || len(dp.GoFiles) == 0 {
				continue
			}
			copied[imp] = true
			queue = append(queue, imp)
			out = append(out, &HotPackage{
				ImportPath: imp,
				Name:       dp.Name,
				Dir:        filepath.Dir(dp.GoFiles[0]),
				Module:     dp.Module,
				Files:      packageFiles(dp),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out
}

// IsInternal reports whether an import path has an internal element.
func IsInternal(path string) bool {
	return strings.HasPrefix(path, "internal/") || strings.HasSuffix(path, "/internal") ||
		strings.Contains(path, "/internal/") || path == "internal"
}

// packageFiles lists a package's non-test files, sorted.
func packageFiles(p *packages.Package) []string {
	files := append(append(append([]string{}, p.GoFiles...), p.OtherFiles...), p.IgnoredFiles...)
	files = append(files, p.EmbedFiles...)
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if seen[f] || strings.HasSuffix(f, "_test.go") {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// analyzePackage checks one loaded package.
func analyzePackage(p *packages.Package, workDir string) (*HotPackage, []Problem) {
	var problems []Problem
	hasTypeErrors := false
	for _, e := range p.Errors {
		hasTypeErrors = hasTypeErrors || e.Kind == packages.TypeError
	}
	for _, e := range p.Errors {
		kind := "load"
		msg := e.Msg
		switch {
		case e.Kind == packages.TypeError:
			kind = "type"
		case strings.HasPrefix(msg, "# "):
			// The go command's compiler output: the type errors say the
			// same with positions, if there are any.
			if hasTypeErrors {
				continue
			}
			kind, msg = "compile", absCompilerPaths(msg, workDir)
		}
		problems = append(problems, Problem{Package: p.PkgPath, Pos: e.Pos, Kind: kind, Msg: msg})
	}
	if len(problems) != 0 {
		return nil, problems
	}
	if p.Name == "main" {
		return nil, []Problem{{Package: p.PkgPath, Kind: "load", Msg: "a main package can't be a hot package: list the package that declares NewFactory"}}
	}
	if p.Module == nil {
		return nil, []Problem{{Package: p.PkgPath, Kind: "load", Msg: "the package is not in a module: hot packages must belong to a Go module"}}
	}
	res, prob := checkFactory(p)
	if prob != nil {
		return nil, []Problem{*prob}
	}
	hp := &HotPackage{
		ImportPath:    p.PkgPath,
		Name:          p.Name,
		Module:        p.Module,
		FactoryResult: res,
		ConfigID:      constString(p, "ConfigID"),
	}
	hp.Files = packageFiles(p)
	if len(p.GoFiles) != 0 {
		hp.Dir = filepath.Dir(p.GoFiles[0])
	}
	return hp, nil
}

// checkFactory finds NewFactory(b bus.Bus) T where T implements
// controller.Factory, returning T as written.
func checkFactory(p *packages.Package) (string, *Problem) {
	prob := func(pos, msg string) *Problem {
		return &Problem{Package: p.PkgPath, Pos: pos, Kind: "factory", Msg: msg}
	}
	want := "want func " + FactoryFunc + "(b bus.Bus) T where T implements controller.Factory"
	obj := p.Types.Scope().Lookup(FactoryFunc)
	if obj == nil {
		return "", prob("", "no "+FactoryFunc+" function: "+want)
	}
	pos := p.Fset.Position(obj.Pos()).String()
	fn, ok := obj.(*types.Func)
	if !ok {
		return "", prob(pos, FactoryFunc+" is not a function: "+want)
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil || sig.TypeParams().Len() != 0 {
		return "", prob(pos, FactoryFunc+" must be a plain function: "+want)
	}
	if sig.Params().Len() != 1 || !isNamed(sig.Params().At(0).Type(), BusPkgPath, "Bus") || sig.Variadic() {
		return "", prob(pos, "wrong signature "+types.TypeString(sig, nil)+": "+want)
	}
	if sig.Results().Len() != 1 {
		return "", prob(pos, "wrong signature "+types.TypeString(sig, nil)+": "+want)
	}
	rt := sig.Results().At(0).Type()
	if !implementsFactory(rt, sig.Params().At(0).Type()) {
		return "", prob(pos, "the result type "+types.TypeString(rt, nil)+" does not implement controller.Factory: "+want)
	}
	return types.TypeString(rt, types.RelativeTo(p.Types)), nil
}

// isNamed reports whether t is the named type pkgPath.name.
func isNamed(t types.Type, pkgPath, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkgPath && n.Obj().Name() == name
}

// implementsFactory reports whether t implements controller.Factory. The
// interface is found through the bus package's imports; if export data
// does not reach it, the method names are checked.
func implementsFactory(t, busType types.Type) bool {
	if iface := findFactoryIface(busType); iface != nil {
		return types.Implements(t, iface)
	}
	ms := types.NewMethodSet(t)
	for _, m := range []string{"GetConfigID", "ConstructConfig", "Construct", "GetVersion"} {
		if ms.Lookup(nil, m) == nil {
			return false
		}
	}
	return true
}

// findFactoryIface looks for controller.Factory in the import graph of
// the package declaring busType.
func findFactoryIface(busType types.Type) *types.Interface {
	n, ok := types.Unalias(busType).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return nil
	}
	seen := map[*types.Package]bool{}
	var visit func(p *types.Package) *types.Interface
	visit = func(p *types.Package) *types.Interface {
		if seen[p] {
			return nil
		}
		seen[p] = true
		if p.Path() == ControllerPkgPath {
			if obj := p.Scope().Lookup("Factory"); obj != nil {
				if it, ok := obj.Type().Underlying().(*types.Interface); ok {
					return it
				}
			}
			return nil
		}
		for _, imp := range p.Imports() {
			if it := visit(imp); it != nil {
				return it
			}
		}
		return nil
	}
	return visit(n.Obj().Pkg())
}

// goEnvVars are the go command's settings the analysis reads.
type goEnvVars struct {
	// GoWork is the go.work file in use, "" when there is none or
	// workspaces are off.
	GoWork string
	// GoArch is the target architecture, which sizes the types.
	GoArch string
}

// goEnv runs goCmd env in dir, with the whole environment env, and
// returns the go.work file in use and GOARCH.
func goEnv(ctx context.Context, goCmd, dir string, env []string) (goEnvVars, error) {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOWORK", "GOARCH")
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return goEnvVars{}, fmt.Errorf("find the go.work file in use: run %s env GOWORK GOARCH in %s: %w; "+
			"check that the work dir exists and that this go command runs there (set Options.GoCommand, or put the host's go first on PATH)",
			goCmd, dir, err)
	}
	lines := strings.Split(string(out), "\n")
	line := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	v := goEnvVars{GoWork: line(0), GoArch: line(1)}
	if v.GoWork == "off" {
		v.GoWork = ""
	}
	return v, nil
}

// goCommandIn returns the go command found first on the PATH that env
// sets (the last PATH entry wins, as for os/exec), or on the process's
// PATH when env sets none; "go" when none is found, so that running it
// reports the failure.
func goCommandIn(env []string) string {
	path, set := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path, set = v, true
		}
	}
	if !set {
		path = os.Getenv("PATH")
	}
	name := "go"
	if runtime.GOOS == "windows" {
		name = "go.exe"
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0) {
			return p
		}
	}
	return "go"
}

// relPos matches a relative file position at the start of a compiler
// output line.
var relPos = regexp.MustCompile(`^([^\s:/][^\s:]*\.(?:go|s|c|h)):\d+`)

// absCompilerPaths makes the relative file positions in go command
// output absolute: the go command prints them relative to dir.
func absCompilerPaths(out, dir string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if m := relPos.FindStringSubmatch(l); m != nil {
			lines[i] = filepath.Join(dir, m[1]) + l[len(m[1]):]
		}
	}
	return strings.Join(lines, "\n")
}

// lookupDisabled matches the go command's report of a module missing
// from the cache in offline mode.
var lookupDisabled = regexp.MustCompile(`([^\s:@]+)@([^\s:]+): module lookup disabled by GOPROXY=off`)

// LookupDisabled finds, in go command output, the report of a module
// missing from the module cache in offline mode (GOPROXY=off), and
// returns the module's path and version.
func LookupDisabled(output string) (module, version string, ok bool) {
	m := lookupDisabled.FindStringSubmatch(output)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// offlineHint adds what to do to a go command error about a module
// missing from the module cache.
func offlineHint(msg string) string {
	if m := lookupDisabled.FindStringSubmatch(msg); m != nil {
		return msg + " (the module is not in the module cache and the compiler runs offline: " +
			"run `go mod download " + m[1] + "@" + m[2] + "` in the work dir, or fix the requirement)"
	}
	return msg
}
