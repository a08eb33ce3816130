package hot_loader_process

import (
	"context"
	"errors"
	"fmt"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/sirupsen/logrus"
)

// proxyResolver is the resolver of a child build: hot_plugin's Resolver
// (tracking, conversion, failures) over one proxy factory per config ID
// the child offers. It keeps the loader's failure callback, so a config
// the child rejects when the controller runs is reported like a config
// the build's Validate rejects in-process.
type proxyResolver struct {
	*hot_plugin.Resolver
	failures func(*hot_plugin.ControllerError)
}

// OnControllerError sets fn on the inner resolver and for the proxies.
func (r *proxyResolver) OnControllerError(fn func(*hot_plugin.ControllerError)) {
	r.failures = fn
	r.Resolver.OnControllerError(fn)
}

// proxyFactory constructs proxy controllers of one config ID of a child.
type proxyFactory struct {
	b       *childBuild
	res     *proxyResolver
	id      string
	version controller.Version
}

// GetConfigID returns the child factory's config ID.
func (f *proxyFactory) GetConfigID() string {
	return f.id
}

// ConstructConfig returns an empty proxy config of the config ID.
func (f *proxyFactory) ConstructConfig() config.Config {
	return newProxyConfig(f.id)
}

// Construct returns a proxy controller for conf, a *proxyConfig.
func (f *proxyFactory) Construct(_ context.Context, conf config.Config, opts controller.ConstructOpts) (controller.Controller, error) {
	pc, ok := conf.(*proxyConfig)
	if !ok {
		return nil, fmt.Errorf("config %s: got a %T, want the process loader's proxy config", f.id, conf)
	}
	return &proxyController{f: f, conf: pc, le: f.b.le.WithField("config-id", f.id)}, nil
}

// GetVersion returns the child factory's controller version.
func (f *proxyFactory) GetVersion() controller.Version {
	return f.version
}

// proxyController stands on the host bus for a controller that runs in
// the child.
type proxyController struct {
	f    *proxyFactory
	conf *proxyConfig
	le   *logrus.Entry
}

// GetControllerInfo names the child's controller.
func (c *proxyController) GetControllerInfo() *controller.Info {
	return controller.NewInfo(c.f.id, c.f.version, "runs in the child process of "+c.f.b.info.BinaryID)
}

// HandleDirective resolves nothing on the host: directives of the child's
// controller are resolved in the child (or forwarded, see hot_ipc).
func (c *proxyController) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

// Execute runs the controller in the child and returns when it stops.
// Status changes are logged. When the child process ends (a crash), it
// waits for the loader to start it again and runs the controller there.
// Returning nil ends execution (ctx ended, or the build was released).
// A config the child rejects is reported to the loader (logged at error
// level, naming the config ID and field) and returned: controllerbus
// retries with backoff, and each retry is reported again.
func (c *proxyController) Execute(ctx context.Context) error {
	for {
		child, err := c.f.b.current(ctx)
		if err != nil {
			return nil
		}
		le := c.le.WithField("pid", child.Info().PID)
		err = child.Exec(ctx, c.f.id, c.conf.JSON(), func(st *controller_exec.ExecControllerResponse) {
			sle := le.WithField("controller-status", st.GetStatus().String())
			if st.GetStatus() == controller_exec.ControllerStatus_ControllerStatus_RUNNING {
				c.f.b.markProven()
			}
			if info := st.GetErrorInfo(); info != "" {
				sle.WithField("error-info", info).Warn("child controller status changed")
				return
			}
			sle.Debug("child controller status changed")
		})
		if ctx.Err() != nil || errors.Is(err, hot_ipc.ErrClosed) {
			return nil
		}
		var ce *hot_ipc.ConfigError
		if errors.As(err, &ce) {
			cerr := &hot_plugin.ControllerError{
				BinaryID:      c.f.b.info.BinaryID,
				BinaryVersion: c.f.b.info.BinaryVersion,
				ConfigID:      c.f.id,
				Op:            hot_plugin.OpConfig,
				Err:           ce,
			}
			if fn := c.f.res.failures; fn != nil {
				fn(cerr)
			} else {
				le.WithError(ce).WithField("config-field", ce.Field).Error("the child rejected the config")
			}
			return cerr
		}
		var ee *hot_ipc.ExitError
		if errors.As(err, &ee) {
			// The build's supervisor logs the exit and restarts the child.
			le.WithError(err).Warn("the child process ended under the controller; it runs again once the child is restarted")
			continue
		}
		if err == nil {
			return nil
		}
		return err
	}
}

// Close does nothing: Execute's end stops the child's controller.
func (c *proxyController) Close() error {
	return nil
}

// _ is a type assertion
var (
	_ controller.Factory    = ((*proxyFactory)(nil))
	_ controller.Controller = ((*proxyController)(nil))
)
