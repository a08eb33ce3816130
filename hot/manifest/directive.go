package hot_manifest

import (
	"path/filepath"

	"github.com/aperturerobotics/controllerbus/directive"
)

// WatchManifest is a directive to watch the manifest of loaded plugins of a
// loader. The loader whose directory is Dir (or every loader, if Dir is
// empty) and whose controller ID is Loader (or any, if Loader is empty:
// two loaders of different kinds may share a directory) resolves it with
// its current manifest, and replaces the
// value with a new snapshot on each change: remove the old value, add the
// new.
//
// Value type: *Manifest (a snapshot; never modify it).
type WatchManifest interface {
	directive.Directive
	// WatchManifestDir returns the plugins directory, or "" for any.
	WatchManifestDir() string
	// WatchManifestLoader returns the loader's controller ID
	// ("hotbus/loader/filesystem"), or "" for any.
	WatchManifestLoader() string
}

// WatchManifestValue is the value type of WatchManifest.
type WatchManifestValue = *Manifest

// watchManifest implements WatchManifest.
type watchManifest struct {
	dir, loader string
}

// NewWatchManifest constructs a WatchManifest directive for the loader of
// dir ("" for any loader). dir is cleaned and made absolute if it can be.
func NewWatchManifest(dir string) WatchManifest {
	return &watchManifest{dir: CleanDir(dir)}
}

// NewWatchLoaderManifest constructs a WatchManifest directive for the
// loader with the controller ID loaderID ("" for any) of dir ("" for any).
func NewWatchLoaderManifest(loaderID, dir string) WatchManifest {
	return &watchManifest{dir: CleanDir(dir), loader: loaderID}
}

// CleanDir returns dir cleaned and absolute (as is if that fails), "" for "".
// Loaders compare their directory with WatchManifestDir through it.
func CleanDir(dir string) string {
	if dir == "" {
		return ""
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// WatchManifestDir returns the plugins directory, or "" for any.
func (d *watchManifest) WatchManifestDir() string {
	return d.dir
}

// WatchManifestLoader returns the loader's controller ID, or "" for any.
func (d *watchManifest) WatchManifestLoader() string {
	return d.loader
}

// Validate validates the directive.
func (d *watchManifest) Validate() error {
	return nil
}

// GetValueOptions returns options relating to value handling.
func (d *watchManifest) GetValueOptions() directive.ValueOptions {
	return directive.ValueOptions{}
}

// IsEquivalent checks if the other directive watches the same directory
// of the same loader.
func (d *watchManifest) IsEquivalent(other directive.Directive) bool {
	o, ok := other.(WatchManifest)
	return ok && o.WatchManifestDir() == d.dir && o.WatchManifestLoader() == d.loader
}

// Superceeds returns false.
func (d *watchManifest) Superceeds(other directive.Directive) bool {
	return false
}

// GetName returns the directive's type name.
func (d *watchManifest) GetName() string {
	return "WatchManifest"
}

// GetDebugVals returns the directive arguments.
func (d *watchManifest) GetDebugVals() directive.DebugValues {
	return directive.DebugValues{"dir": []string{d.dir}, "loader": []string{d.loader}}
}

// _ is a type assertion
var _ WatchManifest = ((*watchManifest)(nil))
