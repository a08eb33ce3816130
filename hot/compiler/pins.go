package hot_compiler

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"
)

// zeroPseudo is the version required of a module that is replaced by a
// directory.
const zeroPseudo = "v0.0.0-00010101000000-000000000000"

// ModReq is one requirement of the plugin main module.
type ModReq struct {
	// Path and Version are the required module.
	Path, Version string
	// ReplacePath and ReplaceVersion are the replacement, if any: a
	// directory (ReplaceVersion empty) or a module version.
	ReplacePath, ReplaceVersion string
	// Devel marks a module the host built as a main (or workspace) module,
	// from ReplacePath. A -trimpath host names its files by import path,
	// not path@version, so the plugin must build it as a workspace module
	// too (see WorkspaceFiles).
	Devel bool
}

// PinError says that the sources need a module at another version than
// the host was built with.
type PinError struct {
	// Module is the module path.
	Module string
	// HostVersion is the host's version (or replacement).
	HostVersion string
	// SourceVersion is the version the work dir resolves.
	SourceVersion string
	// Package is a package of the hot packages' closure in Module.
	Package string
}

// Error says which module, both versions and what to do.
func (e *PinError) Error() string {
	by := ""
	if e.Package != "" {
		by = " (package " + e.Package + ")"
	}
	return fmt.Sprintf("module %s: the hot packages need %s%s but the host was built with %s: "+
		"rebuild the host with %s@%s, or require %s@%s in the work dir's go.mod (go get %s@%s)",
		e.Module, e.SourceVersion, by, e.HostVersion,
		e.Module, e.SourceVersion, e.Module, e.HostVersion, e.Module, e.HostVersion)
}

// modVersion formats a packages.Module's effective version.
func modVersion(m *packages.Module) string {
	if r := m.Replace; r != nil {
		if r.Version != "" {
			return r.Path + "@" + r.Version
		}
		return r.Dir
	}
	if m.Version == "" {
		return develVersion
	}
	return m.Version
}

// planModules lists the requirements of the plugin main module: every
// host module at the host's version and replacement, the host's main
// module, the modules the hot packages need that the host lacks, and the
// overlay modules. hostDirs resolves the directory of a host module that
// is built from local source.
func planModules(host *Host, a *analysis.Analysis, t *Tree, hostDir func(path, replace string) (string, error)) ([]ModReq, error) {
	reqs := map[string]ModReq{}
	// The host's main module.
	switch {
	case localReplace(host.Main.Replace):
		// A command run from another module that replaces this one with a
		// directory ("go run github.com/hotbus/hotbus/cmd/hot-builder" from
		// a module with "replace github.com/hotbus/hotbus => ../hotbus"):
		// build info names the command's module as main, replaced.
		dir, err := hostDir(host.Main.Path, host.Main.Replace.Path)
		if err != nil {
			return nil, err
		}
		reqs[host.Main.Path] = hostReq(&host.Main, dir)
	case host.IsDevel():
		dir, err := hostDir(host.Main.Path, "")
		if err != nil {
			return nil, err
		}
		reqs[host.Main.Path] = ModReq{Path: host.Main.Path, Version: zeroPseudo, ReplacePath: dir, Devel: true}
	default:
		reqs[host.Main.Path] = hostReq(&host.Main, "")
	}
	// A host built from its vendor directory without -trimpath: the
	// plugin uses the same directory (below), not the modules' own.
	vendored := hostVendored(host) && host.Settings["-trimpath"] != "true"
	// The host's dependencies.
	for _, d := range host.Deps {
		if d.Path == host.Main.Path {
			continue
		}
		dir := ""
		if !vendored && (localReplace(d.Replace) || d.Version == develVersion) {
			rp := ""
			if d.Replace != nil {
				rp = d.Replace.Path
			}
			var err error
			if dir, err = hostDir(d.Path, rp); err != nil {
				return nil, err
			}
		}
		r := hostReq(d, dir)
		r.Devel = d.Version == develVersion && d.Replace == nil
		reqs[d.Path] = r
	}
	// Check the closure against the host, add what the host lacks.
	hot := map[string]bool{}
	for _, p := range a.All() {
		hot[p.ImportPath] = true
	}
	var pkgPaths []string
	for p := range a.DepModules {
		pkgPaths = append(pkgPaths, p)
	}
	sort.Strings(pkgPaths)
	for _, pkg := range pkgPaths {
		if hot[pkg] {
			continue
		}
		mpath := a.DepModules[pkg]
		m := a.Modules[mpath]
		if mpath == host.Main.Path {
			continue
		}
		if d := host.Dep(mpath); d != nil {
			if err := checkPin(d, m, pkg); err != nil {
				return nil, err
			}
			continue
		}
		if _, ok := reqs[mpath]; ok {
			continue
		}
		r := ModReq{Path: mpath, Version: m.Version}
		switch {
		case m.Replace != nil && m.Replace.Version == "":
			r.ReplacePath = m.Replace.Dir
		case m.Replace != nil:
			r.ReplacePath, r.ReplaceVersion = m.Replace.Path, m.Replace.Version
		case m.Main || m.Version == "":
			r.ReplacePath = m.Dir
		}
		if r.Version == "" || r.ReplacePath != "" && r.ReplaceVersion == "" {
			if r.Version == "" {
				r.Version = zeroPseudo
			}
		}
		reqs[mpath] = r
	}
	if vendored {
		mainDir, err := hostDir(host.Main.Path, "")
		if err != nil {
			return nil, err
		}
		vp, err := planVendor(host, mainDir, reqs)
		if err != nil {
			return nil, err
		}
		if err := t.writeVendorOverlay(vp); err != nil {
			return nil, err
		}
	}
	// The overlays and the units.
	ovs := make([]*Overlay, 0, len(t.Overlays)+len(t.Units))
	for _, ov := range t.Overlays {
		ovs = append(ovs, ov)
	}
	for _, ov := range t.Units {
		ovs = append(ovs, ov)
	}
	for _, ov := range ovs {
		rel, err := filepath.Rel(t.MainDir, ov.Dir)
		if err != nil {
			return nil, fmt.Errorf("codegen: overlay %s: %w", ov.Path, err)
		}
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "../") {
			rel = "./" + rel
		}
		reqs[ov.Path] = ModReq{Path: ov.Path, Version: ov.Version, ReplacePath: rel}
	}
	t.Origins = origins(host, a, t, reqs)
	out := make([]ModReq, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// localReplace reports whether a replacement in build info is a local
// directory. The go command records those with no version, or with
// "(devel)" (a dependency replaced by a directory in the main module's
// go.mod).
func localReplace(r *debug.Module) bool {
	return r != nil && (r.Version == "" || r.Version == develVersion)
}

// hostReq converts a host module; dir is its local directory if it is
// built from one.
func hostReq(d *debug.Module, dir string) ModReq {
	r := ModReq{Path: d.Path, Version: d.Version}
	if r.Version == "" || r.Version == develVersion {
		r.Version = zeroPseudo
	}
	switch {
	case dir != "":
		r.ReplacePath = dir
	case d.Replace != nil:
		r.ReplacePath, r.ReplaceVersion = d.Replace.Path, d.Replace.Version
	}
	return r
}

// checkPin fails when the work dir resolves a module newer than the
// host's, or replaced differently.
func checkPin(d *debug.Module, m *packages.Module, pkg string) error {
	hostV := d.Version
	if d.Replace != nil {
		if localReplace(d.Replace) {
			// Built from a local directory: preflight compares the result.
			if m.Replace != nil && m.Replace.Version == "" || m.Main || m.Version == "" {
				return nil
			}
			return &PinError{Module: d.Path, HostVersion: "local directory " + d.Replace.Path, SourceVersion: modVersion(m), Package: pkg}
		}
		if m.Replace == nil || m.Replace.Path != d.Replace.Path || m.Replace.Version != d.Replace.Version {
			return &PinError{Module: d.Path, HostVersion: d.Replace.Path + "@" + d.Replace.Version, SourceVersion: modVersion(m), Package: pkg}
		}
		return nil
	}
	if m.Replace != nil || m.Version == "" {
		return nil // local source in the work dir; the host's version is used
	}
	if semver.IsValid(hostV) && semver.IsValid(m.Version) && semver.Compare(m.Version, hostV) > 0 {
		return &PinError{Module: d.Path, HostVersion: hostV, SourceVersion: m.Version, Package: pkg}
	}
	return nil
}

// MainGoMod returns the go.mod of the plugin main module.
func MainGoMod(modulePath, goVersion string, reqs []ModReq) ([]byte, error) {
	f := &modfile.File{}
	if err := f.AddModuleStmt(modulePath); err != nil {
		return nil, fmt.Errorf("codegen: plugin go.mod: %w", err)
	}
	if err := f.AddGoStmt(goVersion); err != nil {
		return nil, fmt.Errorf("codegen: plugin go.mod: go %s: %w", goVersion, err)
	}
	f.AddComment("// Plugin main module generated by hotbus: every module is pinned to the host's version. DO NOT EDIT.")
	for _, r := range reqs {
		f.AddNewRequire(r.Path, r.Version, false)
	}
	for _, r := range reqs {
		if r.ReplacePath == "" {
			continue
		}
		if err := f.AddReplace(r.Path, "", r.ReplacePath, r.ReplaceVersion); err != nil {
			return nil, fmt.Errorf("codegen: plugin go.mod: replace %s => %s %s: %w", r.Path, r.ReplacePath, r.ReplaceVersion, err)
		}
	}
	f.SetRequireSeparateIndirect(f.Require)
	f.Cleanup()
	data, err := f.Format()
	if err != nil {
		return nil, fmt.Errorf("codegen: plugin go.mod: %w", err)
	}
	return data, nil
}

// langVersion turns "go1.26.8" into "1.26.8".
func langVersion(goVersion string) string {
	v := strings.TrimPrefix(goVersion, "go")
	if i := strings.IndexAny(v, " -+"); i >= 0 {
		v = v[:i]
	}
	return v
}

// WorkspaceFiles returns the plugin main module's go.mod and a go.work
// for a build in workspace mode: the Devel modules and the plugin main
// module are used as workspace modules, every other replacement moves to
// the go.work file. mainDir is the plugin main module's directory, which
// must be treeDir/plugin.
func WorkspaceFiles(modulePath, goVersion string, reqs []ModReq) (gomod, gowork []byte, err error) {
	var plain []ModReq
	w := &modfile.WorkFile{Syntax: &modfile.FileSyntax{}}
	if err := w.AddGoStmt(goVersion); err != nil {
		return nil, nil, fmt.Errorf("codegen: go.work: %w", err)
	}
	if err := w.AddUse("./"+pluginModuleName, ""); err != nil {
		return nil, nil, fmt.Errorf("codegen: go.work: %w", err)
	}
	for _, r := range reqs {
		switch {
		case r.Devel:
			if err := w.AddUse(r.ReplacePath, r.Path); err != nil {
				return nil, nil, fmt.Errorf("codegen: go.work: use %s: %w", r.ReplacePath, err)
			}
		case r.ReplacePath != "":
			to := r.ReplacePath
			if r.ReplaceVersion == "" && (strings.HasPrefix(to, "./") || strings.HasPrefix(to, "../")) {
				// Relative to the plugin main module: make it relative to go.work.
				to = "./" + filepath.ToSlash(filepath.Join(pluginModuleName, to))
			}
			if err := w.AddReplace(r.Path, "", to, r.ReplaceVersion); err != nil {
				return nil, nil, fmt.Errorf("codegen: go.work: replace %s: %w", r.Path, err)
			}
			plain = append(plain, ModReq{Path: r.Path, Version: r.Version})
		default:
			plain = append(plain, r)
		}
	}
	w.Cleanup()
	gomod, err = MainGoMod(modulePath, goVersion, plain)
	if err != nil {
		return nil, nil, err
	}
	return gomod, modfile.Format(w.Syntax), nil
}

// origins says where each requirement of the plugin main module comes
// from, in terms of the user's files and settings.
func origins(host *Host, a *analysis.Analysis, t *Tree, reqs map[string]ModReq) map[string]string {
	out := make(map[string]string, len(reqs))
	for path, r := range reqs {
		switch {
		case path == host.Main.Path:
			out[path] = "the host's main module " + path + " (build info of host " + host.Name() + ")"
		case host.Dep(path) != nil:
			out[path] = "module " + path + " " + r.Version + " as the host was built with it (build info of host " + host.Name() + ")"
		case a.Modules[path] != nil:
			out[path] = "module " + path + " that the hot packages import" + goModNote(a.Modules[path])
		}
	}
	for _, ov := range t.Overlays {
		out[ov.Path] = "the copy of module " + ov.Orig + goModNote(a.Modules[ov.Orig])
	}
	for _, ov := range t.Units {
		dir := ""
		for _, p := range a.All() {
			if p.ImportPath == ov.Unit {
				dir = " in " + p.Dir
			}
		}
		out[ov.Path] = "the copy of package " + ov.Unit + dir + " (module " + ov.Orig + goModNote(a.Modules[ov.Orig]) + ")"
	}
	return out
}

// goModNote names m's go.mod file, if known.
func goModNote(m *packages.Module) string {
	if m == nil {
		return ""
	}
	if gm := analysis.GoModOf(m); gm != "" {
		return ", " + gm
	}
	return ""
}
