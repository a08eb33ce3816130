package counter

import (
	"errors"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConfigID is the config ID of the counter controller.
const ConfigID = "example/reload/counter"

// NewConfig constructs the config object.
func NewConfig() *Config {
	return &Config{}
}

// Validate validates the configuration.
func (c *Config) Validate() error {
	if ValidateError != "" {
		return errors.New(ValidateError)
	}
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns the config ID.
func (c *Config) GetConfigID() string {
	return ConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}
