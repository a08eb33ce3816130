package hot_loader_process

import (
	"context"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// ControllerID is the controller identifier.
const ControllerID = "hotbus/loader/process"

// Version is the version of the controller implementation.
var Version = controller.MustParseVersion("0.0.1")

// ControllerDescription is the controller description.
const ControllerDescription = "runs hot builds from a directory, each in a child process"

// Controller is the process loader controller: the shared loader core
// (hot/loader) with the child-process opener.
type Controller struct {
	le *logrus.Entry
	b  bus.Bus
	// core follows the builds directory.
	core *hot_loader.Loader
	// opts are the opener's settings (tests shorten the timeouts).
	opts openerOptions
}

// NewController constructs the loader. It does nothing until Execute.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	return newController(le, b, conf, openerOptions{})
}

// newController constructs the loader with the opener settings opts.
func newController(le *logrus.Entry, b bus.Bus, conf *Config, opts openerOptions) (*Controller, error) {
	if err := conf.Validate(); err != nil {
		return nil, err
	}
	var base hot_loader.Config
	base.Debounce, _ = conf.ParseDebounceDur()
	base.LoaderID = ControllerID
	base.Dir = conf.GetDir()
	base.Watch = conf.GetWatch()
	base.AllowInsecurePermissions = conf.GetAllowInsecurePermissions()
	base.AllowExternalSymlinks = conf.GetAllowExternalSymlinks()
	return &Controller{le: le, b: b, core: hot_loader.New(le, b, base), opts: opts}, nil
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, ControllerDescription)
}

// GetManifest returns the current manifest of loaded builds: a snapshot,
// never modify it.
func (c *Controller) GetManifest() *hot_manifest.Manifest {
	return c.core.GetManifest()
}

// WaitManifest waits until cb returns true for the current manifest or a
// later one, and returns that manifest, or ctx's error.
func (c *Controller) WaitManifest(ctx context.Context, cb func(m *hot_manifest.Manifest) bool) (*hot_manifest.Manifest, error) {
	return c.core.WaitManifest(ctx, cb)
}

// Execute starts the builds in Dir as children and, with Watch, follows
// Dir until ctx ends; then every child is stopped. Problems with builds
// and with the directory are logged and recorded in the manifest, never
// returned: only ctx ends it.
func (c *Controller) Execute(ctx context.Context) error {
	return c.core.Execute(ctx, newOpener(c.le.WithField("plugins-dir", c.core.Dir()), c.b, c.opts))
}

// WaitExited waits until Execute is not running: after its context was
// canceled, every child was stopped and the loader writes nothing more.
// It returns at once if Execute isn't running.
func (c *Controller) WaitExited(ctx context.Context) error {
	return c.core.WaitExited(ctx)
}

// HandleDirective resolves WatchManifest for this loader's directory.
func (c *Controller) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	return c.core.HandleDirective(ctx, di)
}

// Close releases any resources used by the controller. Children are
// stopped when Execute returns.
func (c *Controller) Close() error {
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
