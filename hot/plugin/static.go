package hot_plugin

import (
	"context"
	"fmt"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
)

// StaticPlugin is a HotPlugin with a fixed list of controller factories.
// Generated plugin mains construct one with NewStaticPlugin.
type StaticPlugin struct {
	binaryID      string
	binaryVersion string
	factories     func(bus.Bus) []controller.Factory
}

// NewStaticPlugin constructs a StaticPlugin. factories is called once per
// resolver with the host bus and returns the plugin's factories; nil
// entries are skipped.
func NewStaticPlugin(
	binaryID, binaryVersion string,
	factories func(bus.Bus) []controller.Factory,
) *StaticPlugin {
	return &StaticPlugin{
		binaryID:      binaryID,
		binaryVersion: binaryVersion,
		factories:     factories,
	}
}

// GetBinaryID returns the binary ID.
func (p *StaticPlugin) GetBinaryID() string {
	return p.binaryID
}

// GetBinaryVersion returns the binary version.
func (p *StaticPlugin) GetBinaryVersion() string {
	return p.binaryVersion
}

// NewHotResolver builds a Resolver over the plugin's factories. A panic in
// the factories function is returned as an error.
func (p *StaticPlugin) NewHotResolver(ctx context.Context, b bus.Bus) (res controller.FactoryResolver, err error) {
	if p.factories == nil {
		return nil, fmt.Errorf("plugin %s: no factories function", p.binaryID)
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("plugin %s: building factories panicked: %v", p.binaryID, r)
		}
	}()
	return NewResolver(ctx, p.binaryID, p.binaryVersion, p.factories(b))
}

// PrePluginUnload does nothing: a StaticPlugin holds nothing beyond its
// resolver, which stops with its context.
func (p *StaticPlugin) PrePluginUnload() {}

// _ is a type assertion
var _ HotPlugin = ((*StaticPlugin)(nil))
