package demo

import (
	"errors"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConfigID is the string used to identify this config object.
const ConfigID = ControllerID

// NewConfig constructs the config object.
func NewConfig() *Config {
	return &Config{}
}

// Validate validates the configuration.
func (c *Config) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns the unique string for this configuration type.
func (c *Config) GetConfigID() string {
	return ConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}

// _ is a type assertion
var _ config.Config = ((*Config)(nil))
