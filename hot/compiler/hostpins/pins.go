package hostpins

import (
	"fmt"
	"maps"
	"runtime/debug"
	"slices"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"
)

// ZeroPseudo is the version required of a module that is replaced by a
// directory.
const ZeroPseudo = "v0.0.0-00010101000000-000000000000"

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

// Plan lists the requirements of the plugin main module that pin it to
// the host, by module path: every host module at the host's version and
// replacement, the host's main module, and the modules the hot packages
// need that the host lacks. It fails with a *[PinError] when the hot
// packages need a module at another version than the host's. hostDir
// resolves the directory of a host module that is built from local
// source ([DirResolver.Resolve]). For a host built from its vendor
// directory, the requirements use that directory and the returned
// [VendorPlan] says which go.mod files the build must add; else it is
// nil.
func Plan(host *Host, a *analysis.Analysis, hostDir func(path, replace string) (string, error)) (map[string]ModReq, *VendorPlan, error) {
	reqs := map[string]ModReq{}
	main, err := mainReq(host, hostDir)
	if err != nil {
		return nil, nil, err
	}
	reqs[main.Path] = main
	// A host built from its vendor directory without -trimpath: the
	// plugin uses the same directory (planVendor), not the modules' own.
	vendored := hostVendored(host) && host.Settings["-trimpath"] != "true"
	if err := addDepReqs(reqs, host, vendored, hostDir); err != nil {
		return nil, nil, err
	}
	if err := addClosureReqs(reqs, host, a); err != nil {
		return nil, nil, err
	}
	if !vendored {
		return reqs, nil, nil
	}
	mainDir, err := hostDir(host.Main.Path, "")
	if err != nil {
		return nil, nil, err
	}
	vp, err := planVendor(host, mainDir, reqs)
	if err != nil {
		return nil, nil, err
	}
	return reqs, vp, nil
}

// mainReq returns the requirement of the host's main module.
func mainReq(host *Host, hostDir func(path, replace string) (string, error)) (ModReq, error) {
	switch {
	case localReplace(host.Main.Replace):
		// A command run from another module that replaces this one with a
		// directory ("go run github.com/hotbus/hotbus/cmd/hot-builder" from
		// a module with "replace github.com/hotbus/hotbus => ../hotbus"):
		// build info names the command's module as main, replaced.
		dir, err := hostDir(host.Main.Path, host.Main.Replace.Path)
		if err != nil {
			return ModReq{}, err
		}
		return hostReq(&host.Main, dir), nil
	case host.IsDevel():
		dir, err := hostDir(host.Main.Path, "")
		if err != nil {
			return ModReq{}, err
		}
		return ModReq{Path: host.Main.Path, Version: ZeroPseudo, ReplacePath: dir, Devel: true}, nil
	default:
		return hostReq(&host.Main, ""), nil
	}
}

// addDepReqs adds the host's dependencies to reqs at the host's versions
// and replacements; those built from local source (unless vendored) at
// their directory.
func addDepReqs(reqs map[string]ModReq, host *Host, vendored bool, hostDir func(path, replace string) (string, error)) error {
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
				return err
			}
		}
		r := hostReq(d, dir)
		r.Devel = d.Version == develVersion && d.Replace == nil
		reqs[d.Path] = r
	}
	return nil
}

// addClosureReqs checks the modules of the hot packages' dependency
// closure against the host's (a *PinError for one the host has at another
// version) and adds those the host lacks to reqs, as the work dir
// resolves them.
func addClosureReqs(reqs map[string]ModReq, host *Host, a *analysis.Analysis) error {
	hot := map[string]bool{}
	for _, p := range a.All() {
		hot[p.ImportPath] = true
	}
	for _, pkg := range slices.Sorted(maps.Keys(a.DepModules)) {
		mpath := a.DepModules[pkg]
		if hot[pkg] || mpath == host.Main.Path {
			continue
		}
		m := a.Modules[mpath]
		if d := host.Dep(mpath); d != nil {
			if err := checkPin(d, m, pkg); err != nil {
				return err
			}
			continue
		}
		if _, ok := reqs[mpath]; !ok {
			reqs[mpath] = workDirReq(m)
		}
	}
	return nil
}

// workDirReq returns the requirement of module m as the work dir resolves
// it: its version, or its replacement, or its directory (a main module
// or one without a version).
func workDirReq(m *packages.Module) ModReq {
	r := ModReq{Path: m.Path, Version: m.Version}
	switch {
	case m.Replace != nil && m.Replace.Version == "":
		r.ReplacePath = m.Replace.Dir
	case m.Replace != nil:
		r.ReplacePath, r.ReplaceVersion = m.Replace.Path, m.Replace.Version
	case m.Main || m.Version == "":
		r.ReplacePath = m.Dir
	}
	if r.Version == "" {
		r.Version = ZeroPseudo
	}
	return r
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
		r.Version = ZeroPseudo
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
			return &PinError{Module: d.Path, HostVersion: "local directory " + d.Replace.Path, SourceVersion: analysis.ModVersion(m), Package: pkg}
		}
		if m.Replace == nil || m.Replace.Path != d.Replace.Path || m.Replace.Version != d.Replace.Version {
			return &PinError{Module: d.Path, HostVersion: d.Replace.Path + "@" + d.Replace.Version, SourceVersion: analysis.ModVersion(m), Package: pkg}
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
