package testctrl

import (
	"errors"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConfigID is the config ID both config types share.
const ConfigID = "hotbus/test/testctrl"

// Validate checks the config.
func (c *Config) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns ConfigID.
func (c *Config) GetConfigID() string { return ConfigID }

// EqualsConfig checks if other is an equal *Config.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}

// Validate checks the config.
func (c *ConfigV2) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns ConfigID.
func (c *ConfigV2) GetConfigID() string { return ConfigID }

// EqualsConfig checks if other is an equal *ConfigV2.
func (c *ConfigV2) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*ConfigV2](c, other)
}

// _ is a type assertion
var (
	_ config.Config = ((*Config)(nil))
	_ config.Config = ((*ConfigV2)(nil))
)
