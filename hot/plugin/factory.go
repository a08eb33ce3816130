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
// controller and tracks it until it is closed. A panic is an error.
func (f *factory) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (ctrl controller.Controller, err error) {
	if err := f.r.ctx.Err(); err != nil {
		return nil, fmt.Errorf("plugin %s was dropped: %w", f.r.id, err)
	}
	conf, err = ConvertConfig(conf, f.ConstructConfig)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", f.r.id, err)
	}
	defer func() {
		if p := recover(); p != nil {
			ctrl, err = nil, fmt.Errorf("plugin %s: construct %s: panic: %v", f.r.id, f.GetConfigID(), p)
			// controllerbus retries a failed Construct with backoff
			// without logging why: say it here.
			if opts.Logger != nil {
				opts.Logger.WithError(err).Error("controller construct failed; controllerbus retries with backoff")
			}
		}
	}()
	inner, err := f.Factory.Construct(ctx, conf, opts)
	if err != nil || inner == nil {
		return inner, err
	}
	return newTrackedController(inner, f.r), nil
}

// _ is a type assertion
var _ controller.FactoryWithContext = ((*factory)(nil))
