package hot_loader_filesystem

import (
	"github.com/aperturerobotics/controllerbus/bus"
)

// Factory constructs filesystem loader controllers.
type Factory = bus.BusFactory[*Config, *Controller]

// NewFactory constructs the filesystem loader factory. Register it on the
// host's static resolver (sr.AddFactory(NewFactory(b))) to start loaders
// from config sets.
func NewFactory(b bus.Bus) *Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}
