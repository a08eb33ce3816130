package hot_loader_process

import (
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/sirupsen/logrus"
)

// TestOptions replace the opener's timeouts in the loaders a test factory
// makes; zero fields keep the defaults.
type TestOptions struct {
	// HandshakeTimeout replaces hot_ipc.DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// RestartMin and RestartMax replace DefaultRestartMin and DefaultRestartMax.
	RestartMin, RestartMax time.Duration
}

// NewTestFactory is NewFactory whose loaders use o.
func NewTestFactory(b bus.Bus, o TestOptions) controller.Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, func(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
		return newController(le, b, conf, openerOptions{
			handshakeTimeout: o.HandshakeTimeout,
			restartMin:       o.RestartMin,
			restartMax:       o.RestartMax,
		})
	})
}
