package hot_compiler

import (
	"errors"
	"time"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/hotbus/hotbus/internal/confdur"
	"github.com/sirupsen/logrus"
)

// ConfigID is the config ID of the compiler controller.
const ConfigID = ControllerID

// DefaultDebounceDur is how long the sources must be quiet before a
// rebuild when DebounceDur is empty.
const DefaultDebounceDur = 20 * time.Millisecond

// NewConfig constructs an empty compiler config.
func NewConfig() *Config {
	return &Config{}
}

// Validate checks the config without touching the file system. The
// target must be empty, "plugin" or "process" (a [*TargetError]). The
// binary ID and output name must name a file in the plugins dir that the
// loader loads: no leading dot, no path separator, no "..", no control
// characters, an output name ending in .cbus.so (.cbus.exe for the
// process target), and a build file
// name whose longest temporary file name (that of its build manifest,
// .tmp-<name>.cbus.json-<pid>-<random>) fits in 255 bytes, which allows
// a binary ID of up to 195 bytes with the default output name (a
// [*NameError]).
func (c *Config) Validate() error {
	if len(c.GetPackages()) == 0 {
		return errors.New("packages: at least one package pattern is required")
	}
	if c.GetOutputDir() == "" {
		return errors.New("outputDir: the plugins directory is required")
	}
	if err := checkTarget("target", c.GetTarget()); err != nil {
		return err
	}
	if err := checkNames(c.GetPluginBinaryId(), c.GetOutputName(), "pluginBinaryId", "outputName", c.GetTarget()); err != nil {
		return err
	}
	if _, err := c.ParseDebounceDur(); err != nil {
		return err
	}
	return nil
}

// ParseDebounceDur returns DebounceDur as a duration, DefaultDebounceDur if
// it is empty.
func (c *Config) ParseDebounceDur() (time.Duration, error) {
	return confdur.Parse("debounceDur", c.GetDebounceDur(), DefaultDebounceDur)
}

// GetConfigID returns the config ID.
func (c *Config) GetConfigID() string {
	return ConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}

// ToOptions converts the config to compiler options logging to le.
func (c *Config) ToOptions(le *logrus.Entry) Options {
	return Options{
		WorkDir:       c.GetWorkDir(),
		OutputDir:     c.GetOutputDir(),
		OutputName:    c.GetOutputName(),
		BinaryID:      c.GetPluginBinaryId(),
		BinaryVersion: c.GetPluginBinaryVersion(),
		CodegenDir:    c.GetCodegenDir(),
		BuildPrefix:   c.GetBuildPrefix(),
		HostBinary:    c.GetHostBinary(),
		Packages:      append([]string(nil), c.GetPackages()...),
		KeepCodegen:   c.GetKeepCodegen(),
		KeepDebugInfo: c.GetKeepDebugInfo(),
		Target:        c.GetTarget(),
		Logger:        le,
	}
}

// _ is a type assertion
var _ config.Config = ((*Config)(nil))
