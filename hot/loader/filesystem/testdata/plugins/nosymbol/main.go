// Command nosymbol is a test plugin without the ControllerBusHotPlugin
// symbol.
package main

import (
	_ "github.com/hotbus/hotbus/hot/plugin"
)

// SomethingElse is not the plugin symbol.
var SomethingElse = 1

func main() {}
