// Package hot_plugin is the contract between a hotbus host and a plugin.
//
// A plugin is a Go plugin (-buildmode=plugin) whose main package exports a
// variable named [PluginSymbol] of type [HotPlugin]. The generated main of
// every plugin built by hot/compiler constructs it with [NewStaticPlugin].
// The host (hot/loader/filesystem) opens the plugin, reads that variable and
// puts the factory resolver the plugin builds on the host bus.
package hot_plugin

import (
	"context"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
)

// PluginSymbol is the name of the variable the loader reads from a plugin.
// Its type must be HotPlugin (declared as "var ControllerBusHotPlugin
// hot_plugin.HotPlugin = ...").
const PluginSymbol = "ControllerBusHotPlugin"

// PluginSuffix is the file name suffix of plugin files.
const PluginSuffix = ".cbus.so"

// BuildTag is the build tag that guards generated plugin main files.
const BuildTag = "controllerbus_hot_plugin"

// Version is the version of the plugin contract and of its resolver.
var Version = controller.MustParseVersion("0.0.1")

// HotPlugin is a plugin binary as the loader sees it.
type HotPlugin interface {
	// GetBinaryID returns the binary ID: the same for every build of one
	// plugin, so the loader knows which loaded build a new one replaces.
	GetBinaryID() string
	// GetBinaryVersion returns the binary version of this build.
	GetBinaryVersion() string
	// NewHotResolver builds the resolver for the plugin's controller
	// factories on the host bus. ctx is canceled before the plugin is
	// dropped: every controller built by the resolver's factories stops.
	// Errors mean the plugin can't be used; the host keeps running.
	//
	// It may be called again after PrePluginUnload, with a new context:
	// when a build that was dropped comes back (an edit undone), the loader
	// reuses the code already mapped, since the runtime can't open it twice.
	NewHotResolver(ctx context.Context, b bus.Bus) (controller.FactoryResolver, error)
	// PrePluginUnload is called after the resolver's context was canceled and
	// its controllers stopped, before the loader forgets the plugin. The code
	// stays mapped (Go can't unload plugins): release what the plugin holds.
	PrePluginUnload()
}

// ControllerTracker is implemented by resolvers that keep track of the
// controllers their factories built: which config IDs they serve, when the
// first one runs, and when all have stopped. The loader uses it, when
// present, to stop an old build's controllers before a new build's start
// and to time a reload; without it, the loader only cancels the resolver's
// context. (It was named Releasable, which it never was: it has no
// Release.)
type ControllerTracker interface {
	// GetConfigIDs returns the config IDs the resolver has factories for,
	// sorted.
	GetConfigIDs() []string
	// WaitStopped waits until every controller built by the resolver's
	// factories has returned from Execute and been closed, or ctx ends;
	// then the error names the controllers that have not stopped (a
	// *StuckError for a Resolver).
	WaitStopped(ctx context.Context) error
	// Executing returns a channel that is closed when a controller built by
	// the resolver's factories first enters Execute: the moment a reload
	// has the new code running.
	Executing() <-chan struct{}
}
