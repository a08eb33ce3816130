package hot_loader_filesystem_test

import (
	"context"

	"github.com/aperturerobotics/controllerbus/controller/loader"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/core"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// A host registers the loader factory on its bus, then starts a loader
// from code (as here) or from a config set YAML:
//
//	plugins:
//	  id: hotbus/loader/filesystem
//	  config:
//	    dir: ./plugins
//	    watch: true
//	    debounceDur: 100ms
func ExampleNewFactory() {
	ctx := context.Background()
	le := logrus.NewEntry(logrus.New())
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		panic(err)
	}
	sr.AddFactory(hot_loader_filesystem.NewFactory(b))

	// Start a loader from code.
	conf := &hot_loader_filesystem.Config{Dir: "./plugins", Watch: true}
	ctrl, _, ref, err := loader.WaitExecControllerRunningTyped[*hot_loader_filesystem.Controller](
		ctx, b, resolver.NewLoadControllerWithConfig(conf), nil,
	)
	if err != nil {
		panic(err)
	}
	defer ref.Release()

	// What is loaded: from the controller, from the WatchManifest
	// directive (any controller), or from plugins/hotbus-manifest.json.
	for _, p := range ctrl.GetManifest().Plugins {
		le.Infof("%s: %s %s", p.Path, p.BinaryID, p.State)
	}
	_ = hot_manifest.NewWatchManifest("./plugins")
}
