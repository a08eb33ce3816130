// Command wrongtype is a test plugin whose ControllerBusHotPlugin symbol
// has the wrong type.
package main

import (
	_ "github.com/hotbus/hotbus/hot/plugin"
)

// ControllerBusHotPlugin is a string, not a hot_plugin.HotPlugin.
var ControllerBusHotPlugin = "not a plugin"

func main() {}
