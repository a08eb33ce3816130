package echov1

import (
	"errors"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConfigID identifies the echo test controller's config. Every build of the
// controller uses it.
const ConfigID = "hotbus-test/echo"

// OtherConfigID identifies the other test controller's config.
const OtherConfigID = "hotbus-test/other"

// NewConfig constructs the config.
func NewConfig() *Config {
	return &Config{}
}

// Validate requires a name.
func (c *Config) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns ConfigID.
func (c *Config) GetConfigID() string {
	return ConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}

// NewOtherConfig constructs the other config.
func NewOtherConfig() *OtherConfig {
	return &OtherConfig{}
}

// Validate requires a name.
func (c *OtherConfig) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns OtherConfigID.
func (c *OtherConfig) GetConfigID() string {
	return OtherConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *OtherConfig) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*OtherConfig](c, other)
}

// _ is a type assertion
var (
	_ config.Config = ((*Config)(nil))
	_ config.Config = ((*OtherConfig)(nil))
)
