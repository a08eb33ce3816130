// Command badresolver is a test plugin whose resolver construction panics.
package main

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is the plugin the loader reads.
var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
	"hotbus-test/bad", "v1",
	func(b bus.Bus) []controller.Factory {
		panic("boom: building factories failed")
	},
)

func main() {}
