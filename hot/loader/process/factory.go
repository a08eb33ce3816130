package hot_loader_process

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// Factory constructs process loader controllers.
type Factory = bus.BusFactory[*Config, *Controller]

// NewFactory constructs the process loader factory. Register it on the
// host's static resolver (sr.AddFactory(NewFactory(b))) to start loaders
// from config sets; hot.AddFactories does.
func NewFactory(b bus.Bus) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}

// NewFactoryWithDirectives is NewFactory for a host that resolves
// directives for its children: a directive a child's controller adds that
// nothing in the child resolves crosses to the host bus when it is a
// directive.Networked (hot_ipc.CrossingDirective) whose name is among
// directives (each a constructor of an empty one to decode into), and its
// values come back. Any other such directive fails in the child with an
// error that names it. NewFactory lets none cross.
func NewFactoryWithDirectives(b bus.Bus, directives ...func() directive.Networked) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, func(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
		return newController(le, b, conf, openerOptions{directives: directives})
	})
}
