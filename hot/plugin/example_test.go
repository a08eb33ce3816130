package hot_plugin_test

import (
	"context"
	"fmt"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// A plugin's main package, as the compiler generates it, exports a
// StaticPlugin over the hot packages' factories:
//
//	//go:build controllerbus_hot_plugin
//
//	package main
//
//	var ControllerBusHotPlugin hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(
//		"my-plugin", "0.0.1+{buildHash}",
//		func(b bus.Bus) []controller.Factory { return []controller.Factory{mycontroller.NewFactory(b)} },
//	)
//
// The loader then asks it for the resolver of its factories.
func ExampleNewStaticPlugin() {
	p := hot_plugin.NewStaticPlugin("my-plugin", "0.0.1+3c4d", func(b bus.Bus) []controller.Factory {
		return []controller.Factory{boilerplate_controller.NewFactory(b)}
	})
	fmt.Println(p.GetBinaryID(), p.GetBinaryVersion())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the plugin's lifetime: canceling it stops its controllers
	res, err := p.NewHotResolver(ctx, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.(hot_plugin.ControllerTracker).GetConfigIDs())
	// Output:
	// my-plugin 0.0.1+3c4d
	// [controllerbus/example/boilerplate]
}
