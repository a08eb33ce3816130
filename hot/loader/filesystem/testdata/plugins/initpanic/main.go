// Command initpanic is a test plugin that links a package whose init
// panics: plugin.Open panics.
package main

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/initpanic"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is the plugin the loader reads.
var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
	"hotbus-test/initpanic", initpanic.Value,
	func(b bus.Bus) []controller.Factory { return nil },
)

func main() {}
