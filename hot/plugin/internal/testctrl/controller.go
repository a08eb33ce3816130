// Package testctrl is a controller for hot_plugin's tests, in two "builds":
// one with Config and one with ConfigV2, which share a config ID as two
// builds of one plugin would.
package testctrl

import (
	"context"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
)

// Version is the controller version.
var Version = controller.MustParseVersion("0.0.1")

// Event is what a controller reports.
type Event struct {
	// Build is the build that ran: "v1" or "v2".
	Build string
	// Kind is "start" (Execute began) or "stop" (Close was called).
	Kind string
	// Name and Count are from the config.
	Name  string
	Count uint32
}

// Factory builds test controllers of one build.
type Factory struct {
	build  string
	events chan<- Event
	// Panic makes Construct panic.
	Panic bool
}

// NewFactory builds the "v1" factory (Config); events gets every Event.
func NewFactory(events chan<- Event) *Factory { return &Factory{build: "v1", events: events} }

// NewFactoryV2 builds the "v2" factory (ConfigV2); events gets every Event.
func NewFactoryV2(events chan<- Event) *Factory { return &Factory{build: "v2", events: events} }

// GetConfigID returns ConfigID.
func (f *Factory) GetConfigID() string { return ConfigID }

// ConstructConfig returns the build's config type.
func (f *Factory) ConstructConfig() config.Config {
	if f.build == "v2" {
		return &ConfigV2{}
	}
	return &Config{}
}

// Construct builds a controller; conf must be the build's own type.
func (f *Factory) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (controller.Controller, error) {
	if f.Panic {
		panic("testctrl: construct panics on purpose")
	}
	c := &Controller{build: f.build, events: f.events}
	switch conf := conf.(type) {
	case *Config:
		if f.build != "v1" {
			panic("testctrl: v2 factory got a v1 config")
		}
		c.name, c.count = conf.GetName(), conf.GetCount()
	case *ConfigV2:
		if f.build != "v2" {
			panic("testctrl: v1 factory got a v2 config")
		}
		c.name, c.count = conf.GetName(), conf.GetCount()
	}
	return c, nil
}

// GetVersion returns Version.
func (f *Factory) GetVersion() controller.Version { return Version }

// Controller reports its lifecycle as Events.
type Controller struct {
	build  string
	name   string
	count  uint32
	events chan<- Event
}

// GetControllerInfo returns the controller info.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ConfigID, Version, "test controller "+c.build)
}

// HandleDirective handles no directives.
func (c *Controller) HandleDirective(context.Context, directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

// Execute reports "start" and waits for ctx.
func (c *Controller) Execute(ctx context.Context) error {
	c.report("start")
	<-ctx.Done()
	return nil
}

// Close reports "stop".
func (c *Controller) Close() error {
	c.report("stop")
	return nil
}

func (c *Controller) report(kind string) {
	c.events <- Event{Build: c.build, Kind: kind, Name: c.name, Count: c.count}
}

// _ is a type assertion
var (
	_ controller.Factory    = ((*Factory)(nil))
	_ controller.Controller = ((*Controller)(nil))
)
