package hot_plugin

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
)

// Resolver is the controller.FactoryResolver of one plugin build.
//
// The factories it hands out carry the resolver's context
// (controller.FactoryWithContext): when it is canceled, controllerbus stops
// every controller they built. They convert configs made by another build
// of the plugin (same config ID, another Go type) before constructing, and
// recover panics in Construct and in the controllers' methods.
type Resolver struct {
	ctx           context.Context
	id            string
	binaryVersion string
	factories     map[string]controller.Factory
	configIDs     []string
	live          liveSet
	executing     chan struct{}
	executingOnce sync.Once
	failures      failureSink
}

// NewResolver builds a resolver over factories. nil factories are skipped;
// two factories with one config ID are an error. ctx is the plugin's
// lifetime: cancel it to stop every controller the factories built.
func NewResolver(
	ctx context.Context,
	binaryID, binaryVersion string,
	factories []controller.Factory,
) (*Resolver, error) {
	r := &Resolver{
		ctx:           ctx,
		id:            binaryID,
		binaryVersion: binaryVersion,
		factories:     make(map[string]controller.Factory, len(factories)),
		executing:     make(chan struct{}),
	}
	for _, f := range factories {
		if f == nil {
			continue
		}
		id := f.GetConfigID()
		if _, dup := r.factories[id]; dup {
			return nil, fmt.Errorf("plugin %s: two factories for config ID %q", binaryID, id)
		}
		r.factories[id] = f
		r.configIDs = append(r.configIDs, id)
	}
	slices.Sort(r.configIDs)
	return r, nil
}

// GetResolverID returns "hotbus/plugin/<binary ID>".
func (r *Resolver) GetResolverID() string {
	return "hotbus/plugin/" + r.id
}

// GetResolverVersion returns the version of the plugin contract.
func (r *Resolver) GetResolverVersion() controller.Version {
	return Version
}

// GetBinaryVersion returns the binary version of the plugin build.
func (r *Resolver) GetBinaryVersion() string {
	return r.binaryVersion
}

// GetConfigIDs returns the config IDs the resolver has factories for, sorted.
func (r *Resolver) GetConfigIDs() []string {
	return slices.Clone(r.configIDs)
}

// GetConfigCtorByID returns a config constructor for id, or nil, nil if the
// plugin has no factory for it or was dropped.
func (r *Resolver) GetConfigCtorByID(ctx context.Context, id string) (config.Constructor, error) {
	f := r.lookup(id)
	if f == nil {
		return nil, nil
	}
	return configCtor{f}, nil
}

// GetFactoryMatchingConfig returns the factory for conf's config ID, or nil,
// nil if the plugin has none or was dropped. A config made by another build
// that can't be converted to this build's type is an error.
func (r *Resolver) GetFactoryMatchingConfig(ctx context.Context, conf config.Config) (controller.Factory, error) {
	if conf == nil {
		return nil, nil
	}
	f := r.lookup(conf.GetConfigID())
	if f == nil {
		return nil, nil
	}
	conv, err := ConvertConfig(conf, f.ConstructConfig)
	if err == nil && conv == conf {
		// Not converted, so not validated yet by this build's code.
		err = conv.Validate()
	}
	if err != nil {
		cerr := r.controllerError(OpConfig, conf.GetConfigID(), err)
		r.failures.report(cerr)
		return nil, cerr
	}
	return &factory{Factory: f, r: r}, nil
}

// OwnsFactory reports whether f is a factory the resolver handed out
// (GetFactoryMatchingConfig). See FactoryOwner.
func (r *Resolver) OwnsFactory(f controller.Factory) bool {
	w, ok := f.(*factory)
	return ok && w.r == r
}

// OnControllerError sets fn to be called every time a controller of the
// resolver fails to start: its config is rejected by this build, or its
// factory's Construct fails. See FailureReporter.
func (r *Resolver) OnControllerError(fn func(*ControllerError)) {
	r.failures.set(fn)
}

// controllerError returns a ControllerError of this build.
func (r *Resolver) controllerError(op, configID string, err error) *ControllerError {
	return &ControllerError{BinaryID: r.id, BinaryVersion: r.binaryVersion, ConfigID: configID, Op: op, Err: err}
}

// WaitStopped waits until every controller built by the resolver's
// factories has returned from Execute and been closed. It returns as soon
// as the last one has (no polling); if ctx ends first, it returns a
// *StuckError naming each controller that has not stopped.
func (r *Resolver) WaitStopped(ctx context.Context) error {
	return r.live.wait(ctx, r.id, r.binaryVersion)
}

// Executing returns a channel that is closed when a controller built by the
// resolver's factories first enters Execute.
func (r *Resolver) Executing() <-chan struct{} {
	return r.executing
}

// markExecuting closes the Executing channel once.
func (r *Resolver) markExecuting() {
	r.executingOnce.Do(func() { close(r.executing) })
}

// lookup returns the factory for id while the plugin is live.
func (r *Resolver) lookup(id string) controller.Factory {
	if r.ctx.Err() != nil {
		return nil
	}
	return r.factories[id]
}

// configCtor is a config.Constructor over a factory.
type configCtor struct {
	f controller.Factory
}

// GetConfigID returns the config ID.
func (c configCtor) GetConfigID() string {
	return c.f.GetConfigID()
}

// ConstructConfig constructs an empty config.
func (c configCtor) ConstructConfig() config.Config {
	return c.f.ConstructConfig()
}

// _ is a type assertion
var (
	_ controller.FactoryResolver = ((*Resolver)(nil))
	_ ControllerTracker          = ((*Resolver)(nil))
	_ FailureReporter            = ((*Resolver)(nil))
	_ FactoryOwner               = ((*Resolver)(nil))
)
