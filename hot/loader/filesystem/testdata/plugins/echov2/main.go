// Command echov2 is the test plugin with build v2 of the echo controller.
package main

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	echo "github.com/hotbus/hotbus/hot/loader/filesystem/testdata/echov2"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is the plugin the loader reads.
var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
	"hotbus-test/echo", "v2",
	func(b bus.Bus) []controller.Factory {
		return []controller.Factory{echo.NewFactory(b)}
	},
)

func main() {}
