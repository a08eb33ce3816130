package hot_loader_process

import (
	"github.com/aperturerobotics/controllerbus/bus"
)

// Factory constructs process loader controllers.
type Factory = bus.BusFactory[*Config, *Controller]

// NewFactory constructs the process loader factory. Register it on the
// host's static resolver (sr.AddFactory(NewFactory(b))) to start loaders
// from config sets; hot.AddFactories does.
func NewFactory(b bus.Bus) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}
