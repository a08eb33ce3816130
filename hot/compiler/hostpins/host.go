package hostpins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/hostinfo"
)

// develVersion is the version build info gives a module built from source.
const develVersion = hostinfo.DevelVersion

// Host is what the compiler mirrors of the host binary a plugin must load
// into: its Go version, build settings and modules, read once from its
// build info (internal/hostinfo, which the preflight reads too).
type Host = hostinfo.Host

// CurrentHost reads the build info of this process.
func CurrentHost() (*Host, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, fmt.Errorf("host: this process has no build info: build the host with module support (go build, go run or go test in a module)")
	}
	return newHost("", bi)
}

// ReadHost reads the build info of the host executable at path.
func ReadHost(path string) (*Host, error) {
	h, err := hostinfo.Read(path)
	if err != nil {
		return nil, err
	}
	return h, checkBuildable(h)
}

// newHost converts build info, read from binary ("" for this process).
func newHost(binary string, bi *debug.BuildInfo) (*Host, error) {
	h := hostinfo.New(binary, bi)
	return h, checkBuildable(h)
}

// checkBuildable fails if no plugin can be built for the host.
func checkBuildable(h *Host) error {
	if h.Main.Path == "" {
		return fmt.Errorf("host %s: build info has no main module: build the host in module mode", h.Name())
	}
	if v := h.Settings["CGO_ENABLED"]; v == "0" {
		return fmt.Errorf("host %s was built with CGO_ENABLED=0: Go plugins need cgo; rebuild the host with CGO_ENABLED=1", h.Name())
	}
	return checkProfile(h)
}

// checkProfile fails if the host was built with a PGO profile the plugin
// can't be built with. A profile changes how every package is compiled
// (the runtime's fingerprints of runtime, reflect, sync, ... differ), so
// the plugin must be built with the host's (PluginFlags passes the path
// build info records). That path must still hold the profile: build info
// has no hash of its contents, so a file changed since the host was built
// is found only by the preflight of the built plugin.
func checkProfile(h *Host) error {
	profile, ok := h.Settings["-pgo"]
	if !ok || profile == "" || profile == "off" {
		return nil
	}
	if !filepath.IsAbs(profile) {
		return fmt.Errorf("host %s was built with -trimpath and the PGO profile %s (build info: -pgo=%s), and -trimpath records only the profile's file name, "+
			"not its directory: a plugin must be compiled with the host's profile or the Go runtime refuses it (\"plugin was built with a different version of package runtime\"); "+
			"rebuild the host without -trimpath (build info then records the profile's path), or with -pgo=off, or use the process target (--target process)",
			h.Name(), profile, profile)
	}
	st, err := os.Stat(profile)
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		return fmt.Errorf("host %s was built with the PGO profile %s (build info: -pgo=%s), which can't be read now (%w): "+
			"a plugin must be compiled with the host's profile or the Go runtime refuses it (\"plugin was built with a different version of package runtime\"); "+
			"restore %s as it was when the host was built, or rebuild the host (with -pgo=off to build it without a profile)",
			h.Name(), profile, profile, err, profile)
	}
	return nil
}

// PluginFlags returns the go build flags of a plugin for the host:
// -buildmode=plugin and the flags that reproduce the host's build settings
// (hostinfo.Flags: -trimpath, -race, -gcflags, ...; the host's PGO
// profile, checked by checkProfile, or -pgo=off; -cover with the go
// command's default -coverpkg), with hot_plugin.BuildTag first in -tags. Unless keepDebugInfo, the plugin is
// linked with -w after the host's own -ldflags: no DWARF, which makes the
// link faster and the file smaller; the runtime's line tables stay, so a
// panic still prints file:line, and the package fingerprints preflight
// compares don't depend on it. Not -s: the runtime does without the
// symbol table, but preflight reads the plugin path from it
// (BENCHMARKS.md, "What else can go from the link").
func PluginFlags(h *Host, keepDebugInfo bool) []string {
	extra := []string{"-tags=" + hot_plugin.BuildTag}
	if !keepDebugInfo {
		extra = append(extra, "-ldflags=-w")
	}
	return append([]string{"-buildmode=plugin"}, hostinfo.Flags(h.Info, extra...)...)
}

// Env returns the environment ("KEY=value", sorted) that reproduces
// the host's build settings in the go command (hostinfo.Env).
func Env(h *Host) []string {
	return hostinfo.Env(h.Info)
}

// Pins returns the host's modules as manifest pins.
func Pins(h *Host) []hot_manifest.Pin {
	pins := make([]hot_manifest.Pin, 0, len(h.Deps)+1)
	pins = append(pins, modulePin(&h.Main))
	for _, d := range h.Deps {
		pins = append(pins, modulePin(d))
	}
	return pins
}

// modulePin converts a build info module.
func modulePin(m *debug.Module) hot_manifest.Pin {
	p := hot_manifest.Pin{Path: m.Path, Version: m.Version}
	if r := m.Replace; r != nil {
		p.Replace = r.Path
		if r.Version != "" {
			p.Replace += "@" + r.Version
		}
	}
	return p
}
