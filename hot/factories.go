package hot

import (
	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver/static"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
)

// NewFactories returns the factories of every hotbus controller: the
// filesystem loader (config ID "hotbus/loader/filesystem"), the process
// loader (config ID "hotbus/loader/process") and the compiler (config ID
// "hotbus/compiler").
func NewFactories(b bus.Bus) []controller.Factory {
	return []controller.Factory{
		hot_loader_filesystem.NewFactory(b),
		hot_loader_process.NewFactory(b),
		hot_compiler.NewFactory(b),
	}
}

// AddFactories registers every hotbus controller factory on the host's
// static resolver (the one core.NewCoreBus returns), so the host's config
// sets can start the loader and the compiler by config ID.
func AddFactories(b bus.Bus, sr *static.Resolver) {
	for _, f := range NewFactories(b) {
		sr.AddFactory(f)
	}
}
