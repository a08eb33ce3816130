// Package stuck is a build of the echo test controller whose Execute
// ignores its context: it returns only when the test adds a probe.Release
// directive for its name. It resolves probe.Probe directives for its name
// with "stuck:<name>:<count>" meanwhile.
package stuck

import (
	"context"
	"strconv"
	"sync"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/echov1"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/probe"
	"github.com/sirupsen/logrus"
)

// ControllerID is the stuck controller's ID.
const ControllerID = "hotbus-test/stuck"

// Version is the controller version.
var Version = controller.MustParseVersion("0.0.1")

// Controller ignores its context in Execute.
type Controller struct {
	le       *logrus.Entry
	name     string
	value    string
	released chan struct{}
	once     sync.Once
}

// NewController constructs the stuck controller for the echo config.
func NewController(le *logrus.Entry, b bus.Bus, conf *echov1.Config) (*Controller, error) {
	return &Controller{
		le:       le,
		name:     conf.GetName(),
		value:    "stuck:" + conf.GetName() + ":" + strconv.Itoa(int(conf.GetCount())),
		released: make(chan struct{}),
	}, nil
}

// NewFactory constructs the factory, for the echo config ID.
func NewFactory(b bus.Bus) controller.Factory {
	return bus.NewBusFactory(b, echov1.ConfigID, Version, echov1.NewConfig, NewController)
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, "echo test controller that ignores its context")
}

// Execute ignores ctx on purpose: it returns when released.
func (c *Controller) Execute(ctx context.Context) error {
	<-c.released
	return nil
}

// HandleDirective resolves probes for the controller's name, and is
// released by a Release directive for it.
func (c *Controller) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	switch d := di.GetDirective().(type) {
	case probe.Probe:
		if d.ProbeName() == c.name {
			return directive.R(directive.NewValueResolver([]string{c.value}), nil)
		}
	case probe.Release:
		if d.ReleaseName() == c.name {
			c.once.Do(func() { close(c.released) })
		}
	}
	return nil, nil
}

// Close releases the controller.
func (c *Controller) Close() error {
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
