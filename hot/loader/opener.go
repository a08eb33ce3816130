package hot_loader

import (
	"context"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// Opener is how one kind of loader opens its builds: the variation point
// between the in-process loader (hot/loader/filesystem: Go plugins) and the
// process loader (hot/loader/process: a child process per build). The
// shared core does everything else: the watch and the scan, the security
// checks, the private copy and its sha256, the swap, the rollback and the
// manifest.
//
// The core calls an Opener from its Execute goroutine only, one call at a
// time.
type Opener interface {
	// Suffix is the file name suffix of the builds it loads
	// (hot_plugin.PluginSuffix, ".cbus.so", for Go plugins). The build
	// manifest of a build is hot_manifest.BuildPath of its path.
	Suffix() string
	// Mode is what the manifest records of its builds say
	// (hot_manifest.ModeInProcess, hot_manifest.ModeProcess).
	Mode() hot_manifest.Mode
	// Open checks and opens copyPath, the loader's private copy (made
	// after the security checks) of the build file at path, whose content
	// has the sha256 sum (hex). Errors name path, not the copy, and say
	// what to do. reused reports a build that was opened before (in this
	// process, under any loader) and is returned again: the copy was not
	// used, and the core deletes it.
	Open(path, copyPath, sum string) (b Build, reused bool, err error)
}

// Build is one opened build. The core may put it on the bus, take it off
// and put it back (a rollback) before it releases it.
type Build interface {
	// BinaryID identifies the program the build is a version of: a newer
	// build of the same ID replaces the one on the bus. Never empty.
	BinaryID() string
	// BinaryVersion is the build's version, for logs and the manifest.
	BinaryVersion() string
	// NewResolver returns the resolver of the build's controller
	// factories, whose factories live until ctx ends (the build leaves
	// the bus). It is called each time the build goes on the bus. The
	// resolver may implement hot_plugin's optional interfaces
	// (ControllerTracker, FailureReporter, FactoryOwner); a panic is
	// returned as an error.
	NewResolver(ctx context.Context, b bus.Bus) (controller.FactoryResolver, error)
	// Dropped is called each time the build left the bus, after its
	// controllers stopped (or the stop timed out). In-process it calls the
	// plugin's PrePluginUnload.
	Dropped()
	// Release frees the build for good, once: the core will not put it on
	// the bus again. In-process it does nothing (Go can't unload a
	// plugin); in process mode it kills the child. An error is logged.
	Release() error
}

// ProcessBuild is an optional interface of a Build that runs in a process
// of its own (process mode). The core records its process in the manifest
// and, since keeping it as a rollback target keeps a process running,
// releases the build a reload replaced as soon as the new one is proven.
type ProcessBuild interface {
	Build
	// Process returns the state of the build's process now.
	Process() ProcessState
	// ProcessChanged returns a channel that is closed when Process changes
	// next.
	ProcessChanged() <-chan struct{}
	// Proven returns a channel that is closed once the build has shown it
	// works (a controller of it runs). From then on the build it replaced
	// is no rollback target any more: the core releases it.
	Proven() <-chan struct{}
}

// ProcessState is the state of a ProcessBuild's process, as the manifest
// records it.
type ProcessState struct {
	// PID is the process ID, 0 while no process runs (it is restarted).
	PID int
	// Restarts counts the restarts after the process ended by itself.
	Restarts int
	// LastExit says how the process last ended by itself; "" if it never did.
	LastExit string
}
