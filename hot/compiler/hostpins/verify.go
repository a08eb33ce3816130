package hostpins

import (
	"debug/buildinfo"
	"fmt"

	"github.com/hotbus/hotbus/internal/preflight"
)

// VerifyPins reads the built plugin's build info and fails if any module
// it shares with the host has another version or replacement: the go.mod
// of a module the host lacks can raise a shared module's version.
func VerifyPins(host *Host, pluginPath string) error {
	bi, err := buildinfo.ReadFile(pluginPath)
	if err != nil {
		return fmt.Errorf("verify plugin %s: read build info: %w", pluginPath, err)
	}
	for _, d := range bi.Deps {
		if d.Path == host.Main.Path {
			continue
		}
		h := host.Dep(d.Path)
		if h == nil {
			continue
		}
		hp, pp := modulePin(h), modulePin(d)
		if localReplace(h.Replace) && localReplace(d.Replace) {
			continue // both local directories; preflight compares the code
		}
		if d.Replace != nil && isVendorReplace(d.Path, d.Replace.Path) && h.Version == d.Version {
			continue // built from the host's vendor directory (vendor.go)
		}
		if hp.Version != pp.Version || hp.Replace != pp.Replace {
			return &PinError{Module: d.Path, HostVersion: pinString(hp.Version, hp.Replace), SourceVersion: pinString(pp.Version, pp.Replace)}
		}
	}
	return nil
}

// pinString formats a version and replacement.
func pinString(version, replace string) string {
	if replace != "" {
		return version + " => " + replace
	}
	return version
}

// PreflightHost is the host for preflight: the build info the compiler
// read, and the executable's package hashes.
func PreflightHost(host *Host) (*preflight.Host, error) {
	return preflight.NewHost(host)
}

// LinkedPackages returns the import paths of the packages linked into the
// host, read from its package hash symbols.
func LinkedPackages(host *Host, ph *preflight.Host) (map[string]bool, error) {
	hashes, err := ph.PkgHashes()
	if err != nil {
		return nil, fmt.Errorf("host %s: list its packages: %w", host.Name(), err)
	}
	pkgs := make(map[string]bool, len(hashes))
	for p := range hashes {
		pkgs[p] = true
	}
	return pkgs, nil
}

// CheckHost asks preflight whether the host would load the plugin: the
// runtime's own package hash comparison. A package shared with the host
// whose source was edited since the host was built fails here, named.
func CheckHost(ph *preflight.Host, pluginPath, final string) error {
	if err := preflight.Check(ph, pluginPath); err != nil {
		return fmt.Errorf("the build of %s would not load into the host, nothing was published "+
			"(if a package the host links changed since the host was built, rebuild and restart the host, or revert the change; "+
			"or set target: process in the compiler config (or --target process) to run this package in a child process, where any package may change): %w", final, err)
	}
	return nil
}
