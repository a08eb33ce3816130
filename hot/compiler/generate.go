package hot_compiler

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
)

// generate writes the build tree of p into dir, a new dir of hotbus's
// (internal/owned). With shareUnits, the packages that can be are copied as
// units shared by builds (codegen/units.go), outside the tree, into the units dir,
// which the caller has made sure of and holds the shared lock of; else
// the tree holds every copy. A tree that fails is removed, unless
// KeepCodegen.
func (c *Compiler) generate(ctx context.Context, p *prepared, dir string, shareUnits bool) (_ *codegen.Tree, err error) {
	defer func() {
		if err != nil && !c.opts.KeepCodegen {
			_ = os.RemoveAll(dir)
		}
	}()
	var units map[string]*codegen.Overlay
	if shareUnits {
		units, err = codegen.PlanUnits(codegen.HashInputs{
			GoVersion: p.host.GoVersion, Flags: p.flags, Env: p.env, Pins: p.manifest.HostPins,
			CodegenDir: c.opts.CodegenDir,
		}, p.analysis, codegen.UnitsDir(c.opts.CodegenDir), c.opts.BuildPrefix)
		if err != nil {
			return nil, err
		}
	}
	var inTree []*analysis.HotPackage
	for _, hp := range p.analysis.All() {
		if units[hp.ImportPath] == nil {
			inTree = append(inTree, hp)
		}
	}
	t := codegen.NewTree(dir, p.prefix, inTree)
	t.Units = units
	if err := t.WriteOverlays(p.analysis.All()); err != nil {
		return nil, err
	}
	res := &hostpins.DirResolver{
		Host: p.host, WorkDir: c.opts.WorkDir, HostModuleDir: c.opts.HostModuleDir,
		GoCmd: c.goTool.path, GOROOT: c.goTool.goroot, Analysis: p.analysis,
		BinaryDirs: c.binDirs,
	}
	hostReqs, vp, err := hostpins.Plan(p.host, p.analysis, func(path, replace string) (string, error) {
		return res.Resolve(ctx, path, replace)
	})
	c.binDirs = res.BinaryDirs
	if err != nil {
		return nil, err
	}
	if vp != nil {
		if err := t.WriteVendorOverlay(vp); err != nil {
			return nil, err
		}
	}
	reqs, err := codegen.Requirements(p.host, p.analysis, t, hostReqs)
	if err != nil {
		return nil, err
	}
	gomod, err := hostpins.MainGoMod(t.PluginPath, hostpins.LangVersion(p.host.GoVersion), reqs)
	if err != nil {
		return nil, err
	}
	if err := codegen.WriteFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
		return nil, err
	}
	spec := codegen.MainSpec{BinaryID: c.opts.BinaryID, BinaryVersion: p.manifest.BinaryVersion}
	for _, hp := range p.analysis.Packages {
		spec.Factories = append(spec.Factories, codegen.FactoryImport{ImportPath: t.ImportPathOf(hp.ImportPath), Name: hp.Name})
	}
	src, err := codegen.GenerateMain(spec)
	if err != nil {
		return nil, err
	}
	if err := codegen.WriteFile(filepath.Join(t.MainDir, "plugin.go"), src); err != nil {
		return nil, err
	}
	if p.host.Settings["-trimpath"] == "true" && slices.ContainsFunc(reqs, func(r hostpins.ModReq) bool { return r.Devel }) {
		// A -trimpath host names the files of its main and workspace
		// modules by import path; only workspace modules are built so.
		if err := fillSums(ctx, c.goTool.path, t, p.flags, buildEnv(p.env, "")); err != nil {
			return nil, err
		}
		gomod, gowork, err := hostpins.WorkspaceFiles(t.PluginPath, codegen.MainDirName, hostpins.LangVersion(p.host.GoVersion), reqs)
		if err != nil {
			return nil, err
		}
		t.GoWork = filepath.Join(t.Dir, "go.work")
		if err := codegen.WriteFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
			return nil, err
		}
		if err := codegen.WriteFile(t.GoWork, gowork); err != nil {
			return nil, err
		}
	}
	return t, nil
}
