package hot_plugin

import (
	"context"
	"fmt"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
)

// factory wraps a plugin's factory with the plugin's lifetime.
type factory struct {
	controller.Factory
	r *Resolver
}

// GetFactoryContext returns the plugin's context: controllerbus stops the
// controllers the factory built when it is canceled.
func (f *factory) GetFactoryContext() context.Context {
	return f.r.ctx
}

// Construct converts conf to this build's config type, constructs the
// controller and tracks it until it is closed. A panic is an error. Every
// failure is reported to the resolver's OnControllerError callback, or,
// without one, logged at error level: controllerbus retries a failed
// Construct with backoff without logging why.
func (f *factory) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (ctrl controller.Controller, err error) {
	if err := f.r.ctx.Err(); err != nil {
		return nil, fmt.Errorf("plugin %s was dropped: %w", f.r.id, err)
	}
	conv, err := ConvertConfig(conf, f.ConstructConfig)
	if err != nil {
		return nil, f.fail(OpConfig, err, opts)
	}
	defer func() {
		if p := recover(); p != nil {
			ctrl, err = nil, f.fail(OpConstruct, fmt.Errorf("panic: %v", p), opts)
		}
	}()
	inner, err := f.Factory.Construct(ctx, conv, opts)
	if err != nil {
		return nil, f.fail(OpConstruct, err, opts)
	}
	if inner == nil {
		return nil, nil
	}
	return newTrackedController(inner, f.r, f.GetConfigID()), nil
}

// fail reports a controller that could not start and returns its error.
func (f *factory) fail(op string, err error, opts controller.ConstructOpts) error {
	cerr := f.r.controllerError(op, f.GetConfigID(), err)
	if !f.r.failures.report(cerr) && opts.Logger != nil {
		opts.Logger.WithError(cerr).
			WithField("config-id", cerr.ConfigID).
			WithField("binary-id", cerr.BinaryID).
			WithField("binary-version", cerr.BinaryVersion).
			Error("controller construct failed; controllerbus retries with backoff")
	}
	return cerr
}

// _ is a type assertion
var _ controller.FactoryWithContext = ((*factory)(nil))
