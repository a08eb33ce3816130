// Package hostinfo reads a host executable's build info and holds the one
// table of the build settings a plugin must share with its host.
//
// The Go runtime opens a plugin only if every package the plugin shares
// with the host was compiled from the same source with the same flags.
// Build info ([runtime/debug.ReadBuildInfo] for the running process,
// [debug/buildinfo.ReadFile] for a file) records those flags as settings
// ("-trimpath", "-tags", "CGO_ENABLED", "GOAMD64", ...). [Settings] says,
// for each setting that matters, where it comes from (a go build flag or an
// environment variable of the go command), what it means when unset and
// how to fix a mismatch. From it, [Flags] and [Env] give the go command
// line that reproduces a host's settings (the compiler's plugin build, the
// bench, the tests' plugin builder), and [Diff] lists the settings in which
// two builds differ (the preflight's explanation of a refused plugin).
//
// [Host] is a host's build info, read once: the compiler mirrors it and the
// preflight checks plugins against it. Everything but [Current] and [Read]
// is a pure function over [debug.BuildInfo] values.
package hostinfo

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
)

// DevelVersion is the version build info gives a module built from
// source.
const DevelVersion = "(devel)"

// Host is the build info of a host executable: the binary plugins are
// loaded into. Its fields are derived from Info and must not be changed.
type Host struct {
	// Binary is the executable the build info was read from, "" for the
	// running process.
	Binary string
	// Info is the build info as read.
	Info *debug.BuildInfo
	// GoVersion is the Go toolchain that built the host ("go1.26.8").
	GoVersion string
	// Main is the host's main module.
	Main debug.Module
	// Deps are the modules linked into the host, sorted by path, without
	// entries that have no path.
	Deps []*debug.Module
	// Settings are the host's build settings by key ("-trimpath",
	// "-tags", "CGO_ENABLED", "GOAMD64", ...): see [Settings] for those
	// that matter to a plugin.
	Settings map[string]string
}

// Current reads the build info of the running process.
func Current() (*Host, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, fmt.Errorf("host: this process has no build info: build the host with module support (go build, go run or go test in a module)")
	}
	return New("", bi), nil
}

// Read reads the build info of the host executable at path.
func Read(path string) (*Host, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host binary %s: read build info: %w (is it a Go executable built with modules?)", path, err)
	}
	return New(path, bi), nil
}

// New describes the host whose build info is bi, read from the executable
// binary ("" for the running process).
func New(binary string, bi *debug.BuildInfo) *Host {
	h := &Host{
		Binary:    binary,
		Info:      bi,
		GoVersion: bi.GoVersion,
		Main:      bi.Main,
		Settings:  SettingMap(bi),
	}
	for _, d := range bi.Deps {
		if d != nil && d.Path != "" {
			h.Deps = append(h.Deps, d)
		}
	}
	slices.SortFunc(h.Deps, func(a, b *debug.Module) int { return strings.Compare(a.Path, b.Path) })
	return h
}

// Name names the host in messages: its binary, or "process (<main
// module>)" for the running process.
func (h *Host) Name() string {
	if h.Binary == "" {
		return "process (" + h.Main.Path + ")"
	}
	return h.Binary
}

// Executable returns the path of the host executable: Binary, or
// os.Executable for the running process.
func (h *Host) Executable() (string, error) {
	if h.Binary != "" {
		return h.Binary, nil
	}
	path, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the host executable of %s: %w", h.Name(), err)
	}
	return path, nil
}

// Dep returns the host's module with path, or nil.
func (h *Host) Dep(path string) *debug.Module {
	i, ok := slices.BinarySearchFunc(h.Deps, path, func(d *debug.Module, p string) int { return strings.Compare(d.Path, p) })
	if ok {
		return h.Deps[i]
	}
	return nil
}

// IsDevel reports whether the host's main module was built from source:
// its version is "(devel)", or it was stamped from a version control
// checkout (go build in a clean git clone records a pseudo-version or the
// tag of HEAD, and the vcs.revision setting), which no module proxy has.
func (h *Host) IsDevel() bool {
	if h.Main.Version == "" || h.Main.Version == DevelVersion {
		return true
	}
	_, fromVCS := h.Settings["vcs.revision"]
	return fromVCS && h.Main.Replace == nil
}

// Setting returns the host's value of the setting key, or the setting's
// default (see [Settings]) if the host's build info doesn't record it.
func (h *Host) Setting(key string) string {
	return Value(h.Info, key)
}
