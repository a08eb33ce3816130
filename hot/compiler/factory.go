package hot_compiler

import "github.com/aperturerobotics/controllerbus/bus"

// Factory constructs compiler controllers.
type Factory = bus.BusFactory[*Config, *Controller]

// NewFactory builds the compiler controller factory.
func NewFactory(b bus.Bus) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}
