package hot_manifest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// BuildSuffix is the file name suffix of build manifests. The compiler
// writes one beside each build: "x.cbus.so" and "x.cbus.exe" have
// "x.cbus.json".
const BuildSuffix = ".cbus.json"

// Build targets, as recorded in [Build.Target].
const (
	// TargetPlugin is a Go plugin (.cbus.so) loaded into the host process
	// by hotbus/loader/filesystem.
	TargetPlugin = "plugin"
	// TargetProcess is a child executable (.cbus.exe) run by
	// hotbus/loader/process.
	TargetProcess = "process"
)

// Build is the build manifest the compiler writes beside each plugin it
// publishes: what went into the build, so the loader, the manifest of
// loaded plugins and tools can tell one build from another.
type Build struct {
	// BinaryID is the plugin's binary ID.
	BinaryID string `json:"binaryId"`
	// BinaryVersion is the plugin's binary version.
	BinaryVersion string `json:"binaryVersion"`
	// BuildHash is the content hash of the build's inputs: the sources of
	// the hot packages, the pins and the flags. Same hash, same build.
	BuildHash string `json:"buildHash"`
	// Target is what was built: TargetPlugin or TargetProcess. Empty in
	// manifests written before process mode: a plugin.
	Target string `json:"target,omitempty"`
	// BuildPrefix is the per-build import-path prefix of the hot packages.
	BuildPrefix string `json:"buildPrefix,omitempty"`
	// GoVersion is the Go toolchain that built the plugin.
	GoVersion string `json:"goVersion"`
	// Flags are the build flags mirrored from the host (e.g. "-trimpath").
	Flags []string `json:"flags,omitempty"`
	// HostPins are the modules pinned to the host's versions.
	HostPins []Pin `json:"hostPins,omitempty"`
	// ConfigIDs are the config IDs of the plugin's factories, sorted.
	ConfigIDs []string `json:"configIds,omitempty"`
	// Packages are the import paths of the hot packages, as in the sources.
	Packages []string `json:"packages,omitempty"`
	// Trigger is the source change the build was made for, if any.
	Trigger *Trigger `json:"trigger,omitempty"`
	// Timings are the durations of the build's steps.
	Timings *Timings `json:"timings,omitempty"`
	// PublishedAt is when the plugin was published: just before it was
	// renamed into place.
	PublishedAt time.Time `json:"publishedAt,omitzero"`
}

// Trigger is the source change a build was made for.
type Trigger struct {
	// Path is the first file that changed.
	Path string `json:"path"`
	// Time is when the change was seen.
	Time time.Time `json:"time"`
}

// Timings are the durations of a build's steps, in nanoseconds in JSON.
type Timings struct {
	// Analysis is loading and checking the packages.
	Analysis time.Duration `json:"analysis"`
	// Codegen is writing the build tree.
	Codegen time.Duration `json:"codegen"`
	// Build is go build.
	Build time.Duration `json:"build"`
	// Publish is checking the plugin against the host and writing the
	// build manifest, up to the rename of the plugin into place.
	Publish time.Duration `json:"publish"`
}

// Pin is one module pinned to the version or replacement the host has.
type Pin struct {
	// Path is the module path.
	Path string `json:"path"`
	// Version is the module version ("(devel)" for the host's main module).
	Version string `json:"version,omitempty"`
	// Replace is the replacement: a directory or "path@version".
	Replace string `json:"replace,omitempty"`
}

// ProcessSuffix is the file name suffix of child executables, the builds
// of the compiler's process target that hotbus/loader/process runs: the
// same on every OS (Windows runs the file by its PE header, not its
// name). It is [hot_plugin.PluginSuffix]'s sibling, defined here so the
// compiler and the process loader share it without importing each other.
const ProcessSuffix = ".cbus.exe"

// BuildPath returns the build manifest path for the path of a build: a
// plugin (x.cbus.so) or a process-mode executable (x.cbus.exe) has its
// build manifest beside it as x.cbus.json.
func BuildPath(buildPath string) string {
	for _, suffix := range []string{hot_plugin.PluginSuffix, ProcessSuffix} {
		if strings.HasSuffix(buildPath, suffix) {
			return strings.TrimSuffix(buildPath, suffix) + BuildSuffix
		}
	}
	return buildPath + BuildSuffix
}

// ReadBuild reads the build manifest of the plugin at pluginPath.
// A plugin without one returns an error that satisfies os.IsNotExist.
// Anything but a regular file of at most MaxManifestSize bytes is refused
// with an error that says so, without blocking (see ReadRegular).
func ReadBuild(pluginPath string) (*Build, error) {
	path := BuildPath(pluginPath)
	data, err := ReadRegular(path, "build manifest", MaxManifestSize)
	if err != nil {
		return nil, err
	}
	b := &Build{}
	if err := json.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("read build manifest %s: %w", path, err)
	}
	return b, nil
}
