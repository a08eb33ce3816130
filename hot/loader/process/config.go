package hot_loader_process

import (
	"errors"
	"time"

	"github.com/aperturerobotics/controllerbus/config"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	"github.com/hotbus/hotbus/internal/confdur"
)

// ConfigID is the string used to identify this config object.
const ConfigID = ControllerID

// DefaultDebounceDur is how long the builds directory must be quiet before
// a change is applied when DebounceDur is empty.
const DefaultDebounceDur = hot_loader.DefaultDebounceDur

// NewConfig constructs the config object.
func NewConfig() *Config {
	return &Config{}
}

// Validate checks that Dir is set and DebounceDur parses.
func (c *Config) Validate() error {
	if c.GetDir() == "" {
		return errors.New("dir must be set: the builds directory to run *.cbus.exe files from")
	}
	if _, err := c.ParseDebounceDur(); err != nil {
		return err
	}
	return nil
}

// ParseDebounceDur returns DebounceDur as a duration, DefaultDebounceDur
// if it is empty.
func (c *Config) ParseDebounceDur() (time.Duration, error) {
	return confdur.Parse("debounceDur", c.GetDebounceDur(), DefaultDebounceDur)
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
