// Command other is a test plugin with another binary ID, to show it keeps
// running while other plugins come, go and fail.
package main

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	echo "github.com/hotbus/hotbus/hot/loader/filesystem/testdata/echov1"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is the plugin the loader reads.
var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
	"hotbus-test/other", "v1",
	func(b bus.Bus) []controller.Factory {
		return []controller.Factory{echo.NewOtherFactory(b)}
	},
)

func main() {}
