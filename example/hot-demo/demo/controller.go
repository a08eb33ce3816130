// Package demo is the hot-demo's own controller: edit Greeting below while
// `go run ./example/hot-demo --watch` runs, save, and the host logs the new
// greeting within about a second, without a restart.
package demo

import (
	"context"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// Greeting is what the controller says. Change it while the demo watches.
const Greeting = "hello"

// ControllerID is the ID of the controller.
const ControllerID = "hotbus/example/demo"

// Version is the version of the controller implementation.
var Version = controller.MustParseVersion("0.0.1")

// Controller greets once when it starts, then runs until it is stopped.
type Controller struct {
	le   *logrus.Entry
	conf *Config
}

// NewController constructs a demo controller.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	return &Controller{le: le, conf: conf}, nil
}

// Factory constructs demo controllers.
type Factory = bus.BusFactory[*Config, *Controller]

// NewFactory builds the demo controller factory.
func NewFactory(b bus.Bus) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, "hot-demo controller")
}

// HandleDirective handles no directives.
func (c *Controller) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

// Execute greets and runs until ctx ends.
func (c *Controller) Execute(ctx context.Context) error {
	c.le.WithField("greeting", Greeting).Infof("%s, %s! (from the demo controller)", Greeting, c.conf.GetName())
	<-ctx.Done()
	return nil
}

// Close says goodbye.
func (c *Controller) Close() error {
	c.le.Debug("demo controller stopped")
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
