package hot_manifest

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotbus/hotbus/internal/atomicfile"
)

// FileName is the name of the manifest of loaded plugins the filesystem
// loader writes into the plugins directory. Other loaders write theirs
// beside it, each under its own name ([FileNameOf]), so two loaders of
// one directory never overwrite each other's.
const FileName = "hotbus-manifest.json"

// filesystemLoader is the controller ID of the loader whose manifest is
// FileName; this package does not import it.
const filesystemLoader = "hotbus/loader/filesystem"

// FileNameOf returns the name of the manifest the loader with controller
// ID loader writes: [FileName] for hotbus/loader/filesystem (and a
// manifest that names no loader), "hotbus-manifest-<last element of the
// ID>.json" for another ("hotbus-manifest-process.json" for
// hotbus/loader/process).
func FileNameOf(loader string) string {
	if loader == "" || loader == filesystemLoader {
		return FileName
	}
	return "hotbus-manifest-" + path.Base(loader) + ".json"
}

// IsFileName reports whether name is the name of a manifest of loaded
// plugins, of any loader.
func IsFileName(name string) bool {
	return name == FileName || strings.HasPrefix(name, "hotbus-manifest-") && strings.HasSuffix(name, ".json")
}

// State is the state of one plugin file in a Manifest.
type State string

const (
	// StateLoaded is a plugin whose resolver is on the bus.
	StateLoaded State = "loaded"
	// StateFailed is a plugin that could not be loaded; Error says why.
	StateFailed State = "failed"
	// StateSuperseded is a plugin replaced by a newer build of its binary
	// ID: its controllers were stopped and its resolver left the bus.
	StateSuperseded State = "superseded"
	// StateRemoved is a plugin whose file was removed: its controllers were
	// stopped and its resolver left the bus.
	StateRemoved State = "removed"
	// StateRolledBack is a build that was loaded but whose controllers
	// failed to start (its config was rejected or its factory failed), so
	// the loader put the previous build of its binary ID back on the bus.
	// Error says which config failed and why.
	StateRolledBack State = "rolled-back"
	// StateStuck is a build taken off the bus (superseded, removed or
	// stopped) whose controllers did not all return from Execute within the
	// loader's stop timeout after their context was canceled. Go can't stop
	// a goroutine: they keep running beside whatever runs next, until they
	// return. Stuck names them.
	StateStuck State = "stuck"
)

// Mode is how a loader runs the builds it loads.
type Mode string

const (
	// ModeInProcess is a Go plugin opened into the host process
	// (hot/loader/filesystem).
	ModeInProcess Mode = "in-process"
	// ModeProcess is an executable run as a child process, whose
	// controllers the host sees through proxy factories
	// (hot/loader/process).
	ModeProcess Mode = "process"
)

// Manifest is the record of the plugins a loader knows in one directory.
// A Manifest handed out by the loader is a snapshot: never modify it.
type Manifest struct {
	// Dir is the plugins directory.
	Dir string `json:"dir"`
	// Loader is the controller ID of the loader that wrote it
	// ("hotbus/loader/filesystem").
	Loader string `json:"loader,omitempty"`
	// UpdatedAt is when the manifest last changed.
	UpdatedAt time.Time `json:"updatedAt"`
	// Plugins are the plugin files, sorted by path.
	Plugins []Plugin `json:"plugins"`
}

// Plugin is the record of one plugin file.
type Plugin struct {
	// Path is the plugin file.
	Path string `json:"path"`
	// BinaryID is the plugin's binary ID (empty if it was never opened).
	BinaryID string `json:"binaryId,omitempty"`
	// BinaryVersion is the plugin's binary version.
	BinaryVersion string `json:"binaryVersion,omitempty"`
	// FileSHA256 is the sha256 of the plugin file, hex: the build hash that
	// tells two builds apart.
	FileSHA256 string `json:"fileSha256,omitempty"`
	// BuildHash is the hash of the build's inputs from the build manifest
	// beside the plugin, if the compiler wrote one.
	BuildHash string `json:"buildHash,omitempty"`
	// LoadedAt is when the plugin was loaded (zero if it never was).
	LoadedAt time.Time `json:"loadedAt,omitzero"`
	// ConfigIDs are the config IDs the plugin provides, sorted.
	ConfigIDs []string `json:"configIds,omitempty"`
	// State is the plugin's state.
	State State `json:"state"`
	// Error is the last error, for a failed plugin.
	Error string `json:"error,omitempty"`
	// Stuck names the controllers of a stuck build (StateStuck) that had
	// not stopped: "<controller-id> (config <config-id>, still in Execute)".
	Stuck []string `json:"stuck,omitempty"`
	// Mode is how the build runs (empty if it was never opened).
	Mode Mode `json:"mode,omitempty"`
	// PID is the process ID of the build's child process (ModeProcess),
	// 0 in-process or while no child runs.
	PID int `json:"pid,omitempty"`
	// Restarts counts the restarts of the build's child process
	// (ModeProcess).
	Restarts int `json:"restarts,omitempty"`
	// LastExit says how the build's last child process ended
	// (ModeProcess), e.g. "exit status 2"; empty if none did.
	LastExit string `json:"lastExit,omitempty"`
}

// Find returns the record of the plugin at path, or nil.
func (m *Manifest) Find(path string) *Plugin {
	if m == nil {
		return nil
	}
	for i := range m.Plugins {
		if m.Plugins[i].Path == path {
			return &m.Plugins[i]
		}
	}
	return nil
}

// Marshal encodes m as indented JSON, ending in a newline.
func Marshal(m *Manifest) ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(data, '\n'), nil
}

// Unmarshal decodes a manifest from JSON.
func Unmarshal(data []byte) (*Manifest, error) {
	m := &Manifest{}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	return m, nil
}

// ReadFile reads the manifest at path (usually filepath.Join(dir, FileName)).
// Anything but a regular file of at most MaxManifestSize bytes is refused
// with an error that says so, without blocking (see ReadRegular).
func ReadFile(path string) (*Manifest, error) {
	data, err := ReadRegular(path, "manifest of loaded plugins", MaxManifestSize)
	if err != nil {
		return nil, err
	}
	m, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return m, nil
}

// WriteFile atomically writes m into dir as the file of its loader
// ([FileNameOf] m.Loader), mode 0644: readers see the old manifest or the
// new, never a part.
func WriteFile(dir string, m *Manifest) error {
	data, err := Marshal(m)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileNameOf(m.Loader)), data, 0o644)
}
