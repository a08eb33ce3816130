package hot_loader_filesystem

import (
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/sirupsen/logrus"
)

// NewFactoryWithStopTimeout is NewFactory whose loaders wait at most d,
// instead of StopTimeout, for a dropped build's controllers.
func NewFactoryWithStopTimeout(b bus.Bus, d time.Duration) controller.Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, func(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
		c, err := NewController(le, b, conf)
		if c != nil {
			c.stopTimeout = d
		}
		return c, err
	})
}
