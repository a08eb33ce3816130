// Package counter is the controller the live reload test edits: each edit
// changes Generation, and the controller logs its generation when it
// starts and stops.
package counter

import (
	"context"
	"errors"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// Generation is rewritten by the test at every edit.
const Generation = 1

// ConstructError, if not empty, is the error NewController returns: the
// rollback test sets it to make a build whose controller fails to start.
const ConstructError = ""

// ValidateError, if not empty, is the error Config.Validate returns: the
// rollback test sets it to make a build that rejects the config.
const ValidateError = ""

// Version is the controller version.
var Version = controller.MustParseVersion("0.0.1")

// Controller logs its lifecycle.
type Controller struct {
	le   *logrus.Entry
	conf *Config
}

// NewController constructs a counter controller.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	if ConstructError != "" {
		return nil, errors.New(ConstructError)
	}
	return &Controller{le: le, conf: conf}, nil
}

// NewFactory builds the counter factory.
func NewFactory(b bus.Bus) *bus.BusFactory[*Config, *Controller] {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}

// GetControllerInfo returns the controller info.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ConfigID, Version, "reload test counter")
}

// HandleDirective handles no directives.
func (c *Controller) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

// Execute logs "start" and runs until ctx ends.
func (c *Controller) Execute(ctx context.Context) error {
	c.log("start")
	<-ctx.Done()
	return nil
}

// Close logs "stop".
func (c *Controller) Close() error {
	c.log("stop")
	return nil
}

func (c *Controller) log(event string) {
	c.le.WithFields(logrus.Fields{
		"counter-event":      event,
		"counter-generation": Generation,
		"counter-name":       c.conf.GetName(),
		"counter-count":      c.conf.GetCount(),
	}).Info("counter " + event)
}
