// Command stuck is the test plugin with the echo controller build whose
// Execute ignores its context.
package main

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/stuck"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is the plugin the loader reads.
var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
	"hotbus-test/echo", "stuck",
	func(b bus.Bus) []controller.Factory {
		return []controller.Factory{stuck.NewFactory(b)}
	},
)

func main() {}
