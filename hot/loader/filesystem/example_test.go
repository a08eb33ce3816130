package hot_loader_filesystem_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aperturerobotics/controllerbus/bus"
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
//
// Every *.cbus.so then put into the directory is checked, loaded, and its
// controllers' config IDs served on the bus; a new build replaces the old.
func ExampleNewFactory() {
	ctx := context.Background()
	log := logrus.New()
	log.SetOutput(io.Discard)
	b, sr, err := core.NewCoreBus(ctx, logrus.NewEntry(log))
	if err != nil {
		panic(err)
	}
	sr.AddFactory(hot_loader_filesystem.NewFactory(b))

	dir, err := os.MkdirTemp("", "plugins-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// Start a loader from code.
	conf := &hot_loader_filesystem.Config{Dir: dir, Watch: true}
	ctrl, _, ref, err := loader.WaitExecControllerRunningTyped[*hot_loader_filesystem.Controller](
		ctx, b, resolver.NewLoadControllerWithConfig(conf), nil,
	)
	if err != nil {
		panic(err)
	}

	// What is loaded: from the controller, from the WatchManifest
	// directive (any controller may ask), or from the file
	// hotbus-manifest.json in the directory.
	fmt.Println("plugins known:", len(ctrl.GetManifest().Plugins))
	m, _, mref, err := bus.ExecOneOffTyped[hot_manifest.WatchManifestValue](ctx, b, hot_manifest.NewWatchLoaderManifest(hot_loader_filesystem.ControllerID, dir), nil, nil)
	if err != nil {
		panic(err)
	}
	mref.Release()
	fmt.Println("directive's manifest is the loader's:", m.GetValue() == ctrl.GetManifest(), m.GetValue().Loader)

	// Stop: the loader drops its plugins and removes its private copies
	// of them when Execute returns.
	ref.Release()
	err = ctrl.WaitExited(ctx)
	fmt.Println("loader exited:", err == nil)
	// Output:
	// plugins known: 0
	// directive's manifest is the loader's: true hotbus/loader/filesystem
	// loader exited: true
}
