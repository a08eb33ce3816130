package hot_compiler

import (
	"debug/buildinfo"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// develVersion is the version build info gives a module built from source.
const develVersion = "(devel)"

// Host is what the compiler mirrors of the host binary a plugin must load
// into: its Go version, build flags and modules.
type Host struct {
	// Binary is the host executable, "" for this process.
	Binary string
	// GoVersion is the Go toolchain that built the host ("go1.26.8").
	GoVersion string
	// Main is the host's main module.
	Main debug.Module
	// Deps are the modules linked into the host, sorted by path.
	Deps []*debug.Module
	// Settings are the host's build settings by key ("-trimpath",
	// "-tags", "CGO_ENABLED", "GOAMD64", ...).
	Settings map[string]string
}

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
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host binary %s: read build info: %w (is it a Go executable built with modules?)", path, err)
	}
	return newHost(path, bi)
}

// newHost converts build info.
func newHost(binary string, bi *debug.BuildInfo) (*Host, error) {
	h := &Host{
		Binary:    binary,
		GoVersion: bi.GoVersion,
		Main:      bi.Main,
		Settings:  make(map[string]string, len(bi.Settings)),
	}
	for _, s := range bi.Settings {
		h.Settings[s.Key] = s.Value
	}
	for _, d := range bi.Deps {
		if d != nil && d.Path != "" {
			h.Deps = append(h.Deps, d)
		}
	}
	sort.Slice(h.Deps, func(i, j int) bool { return h.Deps[i].Path < h.Deps[j].Path })
	if h.Main.Path == "" {
		return nil, fmt.Errorf("host %s: build info has no main module: build the host in module mode", h.name())
	}
	if v := h.Settings["CGO_ENABLED"]; v == "0" {
		return nil, fmt.Errorf("host %s was built with CGO_ENABLED=0: Go plugins need cgo; rebuild the host with CGO_ENABLED=1", h.name())
	}
	return h, nil
}

// name names the host in messages.
func (h *Host) name() string {
	if h.Binary == "" {
		return "process (" + h.Main.Path + ")"
	}
	return h.Binary
}

// Dep returns the host's module with path, or nil.
func (h *Host) Dep(path string) *debug.Module {
	i := sort.Search(len(h.Deps), func(i int) bool { return h.Deps[i].Path >= path })
	if i < len(h.Deps) && h.Deps[i].Path == path {
		return h.Deps[i]
	}
	return nil
}

// IsDevel reports whether the host's main module was built from source:
// its version is "(devel)", or it was stamped from a version control
// checkout (go build in a clean git clone records a pseudo-version or the
// tag of HEAD, and the vcs.revision setting), which no module proxy has.
func (h *Host) IsDevel() bool {
	if h.Main.Version == "" || h.Main.Version == develVersion {
		return true
	}
	_, fromVCS := h.Settings["vcs.revision"]
	return fromVCS && h.Main.Replace == nil
}

// mirroredEnv are the build settings that are environment variables of
// the go command and change how shared packages are compiled.
var mirroredEnv = []string{
	"CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS",
	"GOARCH", "GOOS", "GOEXPERIMENT",
	"GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM",
}

// BuildFlags returns the go build flags that mirror the host's: the tags
// (plus hot_plugin.BuildTag), -trimpath, -race, -msan, -asan, -gcflags and
// -asmflags, as the host was built with them.
func (h *Host) BuildFlags() []string {
	tags := []string{hot_plugin.BuildTag}
	for _, t := range strings.Split(h.Settings["-tags"], ",") {
		if t = strings.TrimSpace(t); t != "" && t != hot_plugin.BuildTag {
			tags = append(tags, t)
		}
	}
	flags := []string{"-buildmode=plugin", "-tags=" + strings.Join(tags, ",")}
	for _, b := range []string{"-trimpath", "-race", "-msan", "-asan"} {
		if h.Settings[b] == "true" {
			flags = append(flags, b)
		}
	}
	for _, f := range []string{"-gcflags", "-asmflags"} {
		if v, ok := h.Settings[f]; ok && v != "" {
			flags = append(flags, f+"="+v)
		}
	}
	return flags
}

// BuildEnv returns the environment settings ("KEY=value") mirrored from
// the host's build settings, sorted.
func (h *Host) BuildEnv() []string {
	var env []string
	for _, k := range mirroredEnv {
		if v, ok := h.Settings[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	sort.Strings(env)
	return env
}

// Pins returns the host's modules as manifest pins.
func (h *Host) Pins() []hot_manifest.Pin {
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
