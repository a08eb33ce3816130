package hot_loader_filesystem

import (
	"context"
	"errors"
	"fmt"
	"plugin"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/preflight"
	"github.com/sirupsen/logrus"
)

// opener is the in-process hot_loader.Opener: preflight, then plugin.Open
// of the private copy, then the plugin's ControllerBusHotPlugin.
type opener struct {
	// host is the running executable, for preflight; hostErr if unknown.
	host    *preflight.Host
	hostErr error
}

// newOpener describes the host for preflight, once per Execute. A host
// that can't be described refuses every plugin (logged here, and in each
// plugin's error).
func newOpener(le *logrus.Entry) *opener {
	o := &opener{}
	o.host, o.hostErr = preflight.CurrentHost()
	if o.hostErr == nil {
		// Read the host's package fingerprints now, before anything can
		// replace the executable on disk.
		_, o.hostErr = o.host.PkgHashes()
	}
	if o.hostErr != nil {
		le.WithError(o.hostErr).Error("this host can't check plugins; every plugin will be refused")
	}
	return o
}

// Suffix is hot_plugin.PluginSuffix.
func (o *opener) Suffix() string {
	return hot_plugin.PluginSuffix
}

// Mode is hot_manifest.ModeInProcess.
func (o *opener) Mode() hot_manifest.Mode {
	return hot_manifest.ModeInProcess
}

// openedBuild is a plugin build that was opened and read: a
// hot_loader.Build.
type openedBuild struct {
	// copy is the file plugin.Open was given.
	copy string
	// hp is the plugin's ControllerBusHotPlugin.
	hp hot_plugin.HotPlugin
	// binaryID and binaryVersion are hp's.
	binaryID, binaryVersion string
}

// BinaryID is the plugin's binary ID.
func (b *openedBuild) BinaryID() string {
	return b.binaryID
}

// BinaryVersion is the plugin's binary version.
func (b *openedBuild) BinaryVersion() string {
	return b.binaryVersion
}

// NewResolver is the plugin's NewHotResolver.
func (b *openedBuild) NewResolver(ctx context.Context, bs bus.Bus) (controller.FactoryResolver, error) {
	return b.hp.NewHotResolver(ctx, bs)
}

// Dropped calls the plugin's PrePluginUnload.
func (b *openedBuild) Dropped() {
	b.hp.PrePluginUnload()
}

// Release does nothing: Go can't unload a plugin, its code stays mapped
// until the process exits, and the build is kept (see processPlugins) for
// a loader that finds the same file again.
func (b *openedBuild) Release() error {
	return nil
}

// Open returns the build with the sha256 sum: the one opened before in
// this process (reused), or the copy of the plugin at path, opened now.
func (o *opener) Open(path, copyPath, sum string) (hot_loader.Build, bool, error) {
	process.mu.Lock()
	defer process.mu.Unlock()
	if op := process.builds[sum]; op != nil {
		return op, true, nil
	}
	op, err := o.open(path, copyPath)
	if err != nil {
		return nil, false, err
	}
	process.builds[sum] = op
	return op, false, nil
}

// open preflights and opens the copy of the plugin at path and reads its
// ControllerBusHotPlugin. process.mu must be held.
func (o *opener) open(path, copyPath string) (*openedBuild, error) {
	if o.hostErr != nil {
		return nil, fmt.Errorf("plugin %s not checked: %w", path, o.hostErr)
	}
	p, err := preflight.ReadPlugin(copyPath)
	if err == nil {
		p.Path = path
		err = preflight.CheckPlugin(o.host, p, process.opened...)
	}
	if err != nil {
		var pe *preflight.Error
		if errors.As(err, &pe) {
			pe.Path = path
		}
		return nil, err
	}

	if err := process.checkPoisoned(p); err != nil {
		return nil, err
	}

	pl, err := openPlugin(copyPath)
	var ip *initPanicError
	if errors.As(err, &ip) {
		// The plugin stays mapped with its packages registered, and the
		// init tasks that did not finish can never run again.
		process.poison(o.host, p)
		process.opened = append(process.opened, p)
		return nil, fmt.Errorf("plugin %s: %w; fix the init and rebuild: a plugin that links a package whose init did not finish is refused until the host restarts (the Go runtime would abort the process)", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("plugin %s: the Go runtime refused it (copy %s): %w; rebuild it with the host's Go version, flags and module versions (hot/compiler does)",
			path, copyPath, err)
	}
	process.opened = append(process.opened, p)

	sym, err := pl.Lookup(hot_plugin.PluginSymbol)
	if err != nil {
		return nil, fmt.Errorf("plugin %s has no %s symbol: declare \"var %s hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(...)\" in its main package",
			path, hot_plugin.PluginSymbol, hot_plugin.PluginSymbol)
	}
	hpp, ok := sym.(*hot_plugin.HotPlugin)
	if !ok {
		return nil, fmt.Errorf("plugin %s: symbol %s is a %T, want a hot_plugin.HotPlugin variable: declare \"var %s hot_plugin.HotPlugin = ...\"",
			path, hot_plugin.PluginSymbol, sym, hot_plugin.PluginSymbol)
	}
	if *hpp == nil {
		return nil, fmt.Errorf("plugin %s: %s is nil", path, hot_plugin.PluginSymbol)
	}
	// A panic in the plugin's code here is the core's to recover
	// (hot_loader.Opener.Open).
	op := &openedBuild{copy: copyPath, hp: *hpp}
	op.binaryID, op.binaryVersion = op.hp.GetBinaryID(), op.hp.GetBinaryVersion()
	if op.binaryID == "" {
		return nil, fmt.Errorf("plugin %s has an empty binary ID", path)
	}
	return op, nil
}

// initPanicError is a panic in a plugin's package init during plugin.Open.
type initPanicError struct {
	// value is what the init panicked with.
	value any
}

// Error names the panic.
func (e *initPanicError) Error() string {
	return fmt.Sprintf("a package init panicked while the plugin was opened: %v", e.value)
}

// openPlugin is plugin.Open; a panic in the plugin's init is an
// *initPanicError. plugin.Open runs the inits on the calling goroutine, so
// the panic can be recovered here; an init that starts a goroutine which
// panics, calls os.Exit or never returns can't be caught by anyone.
func openPlugin(path string) (p *plugin.Plugin, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, &initPanicError{value: v}
		}
	}()
	return plugin.Open(path)
}

// _ is a type assertion
var (
	_ hot_loader.Opener = ((*opener)(nil))
	_ hot_loader.Build  = ((*openedBuild)(nil))
)
