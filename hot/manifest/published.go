package hot_manifest

import (
	"errors"
	"time"

	"github.com/aperturerobotics/controllerbus/directive"
)

// WatchPublished is a directive to learn of each build a compiler on the
// bus publishes into a plugins directory, as soon as it is in place. A
// loader of Dir adds it, and scans Dir when a value arrives instead of
// waiting for the filesystem to tell it; a compiler whose output
// directory is Dir resolves it.
//
// The resolver emits the latest publish (if any) when the directive is
// added, and replaces the value with each new publish: remove the old,
// add the new. A value says only that the file is complete and in place:
// the loader still reads the directory and the build manifest, so a
// publish announced on the bus and seen by fsnotify loads once.
//
// Value type: *Published (never modify it).
type WatchPublished interface {
	directive.Directive
	// WatchPublishedDir returns the plugins directory: clean and
	// absolute (see CleanDir).
	WatchPublishedDir() string
}

// WatchPublishedValue is the value type of WatchPublished.
type WatchPublishedValue = *Published

// Published is one publish of a build into a plugins directory.
type Published struct {
	// Path is the published build file, absolute.
	Path string
	// BinaryID is the build's binary ID.
	BinaryID string
	// BuildHash is the build's hash, as in its build manifest.
	BuildHash string
	// PublishedAt is when the build was published (as in its build
	// manifest).
	PublishedAt time.Time
}

// errEmptyPublishedDir rejects a WatchPublished without a directory.
var errEmptyPublishedDir = errors.New("hot_manifest: WatchPublished names no plugins dir: pass the directory the loader follows")

// watchPublished implements WatchPublished.
type watchPublished struct {
	dir string
}

// NewWatchPublished constructs a WatchPublished directive for the plugins
// directory dir, which is cleaned and made absolute if it can be.
func NewWatchPublished(dir string) WatchPublished {
	return &watchPublished{dir: CleanDir(dir)}
}

// WatchPublishedDir returns the plugins directory.
func (d *watchPublished) WatchPublishedDir() string {
	return d.dir
}

// Validate checks that the directive names a directory.
func (d *watchPublished) Validate() error {
	if d.dir == "" {
		return errEmptyPublishedDir
	}
	return nil
}

// GetValueOptions returns options relating to value handling.
func (d *watchPublished) GetValueOptions() directive.ValueOptions {
	return directive.ValueOptions{}
}

// IsEquivalent checks if the other directive watches the same directory.
func (d *watchPublished) IsEquivalent(other directive.Directive) bool {
	o, ok := other.(WatchPublished)
	return ok && o.WatchPublishedDir() == d.dir
}

// Superceeds returns false.
func (d *watchPublished) Superceeds(other directive.Directive) bool {
	return false
}

// GetName returns the directive's type name.
func (d *watchPublished) GetName() string {
	return "WatchPublished"
}

// GetDebugVals returns the directive arguments.
func (d *watchPublished) GetDebugVals() directive.DebugValues {
	return directive.DebugValues{"dir": []string{d.dir}}
}

// _ is a type assertion
var _ WatchPublished = ((*watchPublished)(nil))
