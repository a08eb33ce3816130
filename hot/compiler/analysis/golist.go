package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

// The analysis runs go list itself rather than through go/packages:
// go/packages runs the "go" that the process's PATH names (os/exec looks
// a bare name up there, whatever PATH Config.Env sets), and has no option
// for another one, so Options.GoCommand could not reach it. What it read
// from go list is kept in go/packages' own types ([packages.Package],
// [packages.Module]), which the rest of the compiler uses.

// listFields are the fields of go list -json the analysis reads.
const listFields = "ImportPath,Name,Dir,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles," +
	"SwigFiles,SwigCXXFiles,SysoFiles,IgnoredGoFiles,IgnoredOtherFiles,EmbedFiles,Imports,ImportMap," +
	"Export,Module,Error,DepsErrors,DepOnly"

// listedPackage is one package as go list -json prints it.
type listedPackage struct {
	ImportPath, Name, Dir string

	GoFiles, CgoFiles, CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles                                  []string
	IgnoredGoFiles, IgnoredOtherFiles, EmbedFiles                       []string

	Imports    []string
	ImportMap  map[string]string
	Export     string
	Module     *packages.Module
	Error      *listError
	DepsErrors []*listError
	DepOnly    bool
}

// listError is go list's report of a problem with one package.
type listError struct {
	ImportStack []string
	Pos         string
	Err         string
}

// load lists the packages the patterns match and their dependency
// closure, by import path, with the roots (the matched packages), and
// the export data of the roots' imports (their ExportFile), which go list
// compiles with flags. The roots themselves are not compiled: they are
// type-checked from source (typeCheck), and the build compiles them (at
// their prefixed paths for a plugin): with a cold build cache, compiling
// them for the analysis too would compile them twice.
func load(ctx context.Context, run goRun, flags, patterns []string) (map[string]*packages.Package, []*packages.Package, error) {
	args := append([]string{"-deps", "-test=false", "-pgo=off", "-buildvcs=false"}, flags...)
	listed, err := run.list(ctx, append(append(args, "--"), patterns...))
	if err != nil {
		return nil, nil, err
	}
	byPath, roots := newPackages(listed)
	isRoot := map[string]bool{}
	for _, r := range roots {
		isRoot[r.PkgPath] = true
	}
	var imports []string
	for _, r := range roots {
		for _, ip := range r.Imports {
			if !isRoot[ip.PkgPath] && ip.PkgPath != "unsafe" && !slices.Contains(imports, ip.PkgPath) {
				imports = append(imports, ip.PkgPath)
			}
		}
	}
	if len(imports) == 0 {
		return byPath, roots, nil
	}
	slices.Sort(imports)
	args = append([]string{"-export", "-test=false", "-pgo=off", "-buildvcs=false"}, flags...)
	exported, err := run.list(ctx, append(append(args, "--"), imports...))
	if err != nil {
		return nil, nil, fmt.Errorf("compile the export data of the imports: %w", err)
	}
	for _, lp := range exported {
		p := byPath[lp.ImportPath]
		if p == nil {
			continue
		}
		p.ExportFile = lp.Export
		// What failed to compile, the package itself or a dependency
		// ("# path" heads the compiler output), says why.
		for _, e := range append([]*listError{lp.Error}, lp.DepsErrors...) {
			if e == nil || !strings.HasPrefix(e.Err, "# ") {
				continue
			}
			at := p
			head, _, _ := strings.Cut(strings.TrimPrefix(e.Err, "# "), "\n")
			if dp := byPath[strings.TrimSpace(head)]; dp != nil {
				at = dp
			}
			msg := strings.TrimSpace(e.Err)
			if !slices.ContainsFunc(at.Errors, func(pe packages.Error) bool { return pe.Msg == msg }) {
				at.Errors = append(at.Errors, packages.Error{Pos: e.Pos, Msg: msg, Kind: packages.ListError})
			}
		}
	}
	return byPath, roots, nil
}

// goRun is how the analysis runs the go command: which one, in which
// dir, with which whole environment, and the caller's preparation of each
// command (Options.Isolate, or nil).
type goRun struct {
	goCmd, dir string
	env        []string
	isolate    func(*exec.Cmd)
}

// list runs go list -e -json with args and returns the packages it
// prints, in its order. Problems with packages are in their Error fields;
// an error is a failure to run go list at all (a broken go.mod, an
// unknown flag).
func (r goRun) list(ctx context.Context, args []string) ([]*listedPackage, error) {
	goCmd, dir, env := r.goCmd, r.dir, r.env
	args = append([]string{"list", "-e", "-json=" + listFields}, args...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir, cmd.Env = dir, env
	if filepath.IsAbs(dir) {
		// PWD keeps the go command's paths as dir spells them (os.Getwd
		// trusts PWD when it names the same directory).
		cmd.Env = append(env[:len(env):len(env)], "PWD="+dir)
	}
	cmd.WaitDelay = 30 * time.Second
	if r.isolate != nil {
		r.isolate(cmd)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			// Killed because the analysis was canceled: say that.
			return nil, fmt.Errorf("run %s list in %s: %w", goCmd, dir, context.Cause(ctx))
		}
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return nil, fmt.Errorf("run %s list in %s: %w", goCmd, dir, err)
	}
	var out []*listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listedPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("run %s list in %s: read its output: %w", goCmd, dir, err)
		}
		out = append(out, p)
	}
}

// newPackages turns go list's packages into go/packages' own, with their
// imports linked, and returns them by import path, and the roots (the
// packages the patterns matched) in go list's order.
func newPackages(listed []*listedPackage) (map[string]*packages.Package, []*packages.Package) {
	byPath := make(map[string]*packages.Package, len(listed))
	var roots []*packages.Package
	for _, lp := range listed {
		if byPath[lp.ImportPath] != nil {
			continue
		}
		p := &packages.Package{
			ID:           lp.ImportPath,
			Name:         lp.Name,
			PkgPath:      lp.ImportPath,
			GoFiles:      absJoin(lp.Dir, lp.GoFiles, lp.CgoFiles),
			OtherFiles:   absJoin(lp.Dir, lp.CFiles, lp.CXXFiles, lp.MFiles, lp.HFiles, lp.FFiles, lp.SFiles, lp.SwigFiles, lp.SwigCXXFiles, lp.SysoFiles),
			IgnoredFiles: absJoin(lp.Dir, lp.IgnoredGoFiles, lp.IgnoredOtherFiles),
			EmbedFiles:   absJoin(lp.Dir, lp.EmbedFiles),
			ExportFile:   lp.Export,
			Module:       lp.Module,
			Imports:      map[string]*packages.Package{},
		}
		if e := lp.Error; e != nil {
			msg := strings.TrimSpace(e.Err)
			if msg == "import cycle not allowed" && len(e.ImportStack) != 0 {
				msg += ": import stack: " + strings.Join(e.ImportStack, " -> ")
			}
			p.Errors = append(p.Errors, packages.Error{Pos: e.Pos, Msg: msg, Kind: packages.ListError})
		}
		byPath[lp.ImportPath] = p
		if !lp.DepOnly {
			roots = append(roots, p)
		}
	}
	for _, lp := range listed {
		p := byPath[lp.ImportPath]
		if len(p.Imports) != 0 {
			continue
		}
		// Imports are keyed by the path the source imports (ImportMap
		// maps it to the package's import path, for vendored packages).
		mapped := map[string]bool{}
		for src, path := range lp.ImportMap {
			mapped[path] = true
			if ip := byPath[path]; ip != nil {
				p.Imports[src] = ip
			}
		}
		for _, path := range lp.Imports {
			if ip := byPath[path]; ip != nil && !mapped[path] {
				p.Imports[path] = ip
			}
		}
	}
	return byPath, roots
}

// absJoin returns the names in every list joined to dir, unless absolute.
func absJoin(dir string, lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, n := range l {
			if !filepath.IsAbs(n) {
				n = filepath.Join(dir, n)
			}
			out = append(out, n)
		}
	}
	return out
}
