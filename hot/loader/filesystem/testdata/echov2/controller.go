// Package echov2 is build "v2" of the echo test controller: it resolves
// probe.Probe directives for its name with "v2:<name>:<count>" while it runs.
package echov2

import (
	"context"
	"strconv"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/probe"
	"github.com/sirupsen/logrus"
)

// Build names this build in probe values.
const Build = "v2"

// Version is the controller version.
var Version = controller.MustParseVersion("0.0.1")

// Controller is the echo test controller.
type Controller struct {
	le    *logrus.Entry
	id    string
	name  string
	value string
}

// NewController constructs the echo controller.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	return newController(le, ConfigID, conf.GetName(), Build+":"+conf.GetName()+":"+strconv.Itoa(int(conf.GetCount()))), nil
}

// NewOtherController constructs the other controller.
func NewOtherController(le *logrus.Entry, b bus.Bus, conf *OtherConfig) (*Controller, error) {
	return newController(le, OtherConfigID, conf.GetName(), "other-"+Build+":"+conf.GetName()), nil
}

// newController constructs a controller answering probes for name.
func newController(le *logrus.Entry, id, name, value string) *Controller {
	return &Controller{le: le, id: id, name: name, value: value}
}

// NewFactory constructs the echo factory.
func NewFactory(b bus.Bus) controller.Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}

// NewOtherFactory constructs the other factory.
func NewOtherFactory(b bus.Bus) controller.Factory {
	return bus.NewBusFactory(b, OtherConfigID, Version, NewOtherConfig, NewOtherController)
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(c.id, Version, "echo test controller "+Build)
}

// Execute runs until ctx ends.
func (c *Controller) Execute(ctx context.Context) error {
	c.le.WithField("value", c.value).Debug("echo running")
	<-ctx.Done()
	return nil
}

// HandleDirective resolves probes for the controller's name.
func (c *Controller) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	if p, ok := di.GetDirective().(probe.Probe); ok && p.ProbeName() == c.name {
		return directive.R(directive.NewValueResolver([]string{c.value}), nil)
	}
	return nil, nil
}

// Close releases the controller.
func (c *Controller) Close() error {
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
