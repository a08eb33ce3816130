package hot_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// quietLogger returns a logger that writes nothing, for the examples'
// output to be theirs alone.
func quietLogger() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// A host registers the hotbus factories on the static resolver of its
// bus; config sets can then start the loader and the compiler by config ID.
func ExampleAddFactories() {
	ctx := context.Background()
	b, sr, err := core.NewCoreBus(ctx, quietLogger())
	if err != nil {
		panic(err)
	}
	hot.AddFactories(b, sr)

	for _, id := range []string{"hotbus/loader/filesystem", "hotbus/compiler"} {
		ctor, err := sr.GetConfigCtorByID(ctx, id)
		fmt.Println(id, "registered:", ctor != nil && err == nil)
	}
	// Output:
	// hotbus/loader/filesystem registered: true
	// hotbus/compiler registered: true
}

// NewFactories returns the factories for a host that registers them its
// own way.
func ExampleNewFactories() {
	b, _, err := core.NewCoreBus(context.Background(), quietLogger())
	if err != nil {
		panic(err)
	}
	for _, f := range hot.NewFactories(b) {
		fmt.Println(f.GetConfigID())
	}
	// Output:
	// hotbus/loader/filesystem
	// hotbus/loader/process
	// hotbus/compiler
}

// A host applies its config set, here a loader watching ./plugins beside
// the YAML file, reads what the loader has loaded, and on shutdown
// releases the set and waits for its controllers to stop.
func ExampleApplyConfigSetYAML() {
	ctx := context.Background()
	b, sr, err := core.NewCoreBus(ctx, quietLogger())
	if err != nil {
		panic(err)
	}
	hot.AddFactories(b, sr)

	// The directory of the config set file.
	confDir, err := os.MkdirTemp("", "hot-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(confDir)
	if err := os.Mkdir(filepath.Join(confDir, "plugins"), 0o755); err != nil {
		panic(err)
	}
	conf := []byte(`
hot-loader:
  id: hotbus/loader/filesystem
  config:
    dir: ./plugins
    watch: true
`)
	before := b.GetControllers()
	release, err := hot.ApplyConfigSetYAML(ctx, quietLogger(), b, conf,
		hot.WithCheck(sr.GetFactories()...), // refuse mistakes before starting anything
		hot.WithBaseDir(confDir),            // ./plugins is beside the YAML file
	)
	if err != nil {
		panic(err)
	}

	// What is loaded: the WatchManifest directive, resolved by the loader.
	m, _, ref, err := bus.ExecOneOffTyped[hot_manifest.WatchManifestValue](ctx, b, hot_manifest.NewWatchManifest(filepath.Join(confDir, "plugins")), nil, nil)
	if err != nil {
		panic(err)
	}
	ref.Release()
	rel, _ := filepath.Rel(confDir, m.GetValue().Dir)
	fmt.Printf("the loader of %s has %d plugins\n", rel, len(m.GetValue().Plugins))

	// Shutdown: release the config set, wait for its controllers.
	release()
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	fmt.Println("still running after the stop:", len(hot.WaitControllersExited(stopCtx, b, before)))
	// Output:
	// the loader of plugins has 0 plugins
	// still running after the stop: 0
}

// WithCheck checks the whole config set before anything starts, and names
// the entry, the field and the mistake.
func ExampleWithCheck() {
	b, sr, err := core.NewCoreBus(context.Background(), quietLogger())
	if err != nil {
		panic(err)
	}
	hot.AddFactories(b, sr)
	_, err = hot.ApplyConfigSetYAML(context.Background(), quietLogger(), b, []byte(`
hot-loader:
  id: hotbus/loader/filesystem
  config: {dir: ./plugins, wacth: true}
`), hot.WithCheck(sr.GetFactories()...))
	fmt.Println(err)
	// Output:
	// hot-loader (hotbus/loader/filesystem): config: unknown field "wacth" (known: dir, watch, debounceDur, allowInsecurePermissions, allowExternalSymlinks): did you mean "watch"?
}

// CheckConfigSetYAML lists every problem of a config set at once, without
// a bus running anything. An entry with a config ID no factory has (here
// my/controller) may be provided by a plugin later: it is not an error.
func ExampleCheckConfigSetYAML() {
	b, _, err := core.NewCoreBus(context.Background(), quietLogger())
	if err != nil {
		panic(err)
	}
	err = hot.CheckConfigSetYAML([]byte(`
hot-compiler:
  id: hotbus/compiler
  config:
    packages: [./mycontroller]
    outputDir: ./plugins
    outputDir: ./elsewhere
    pluginBinaryId: my-plugin
    debounceDur: 2h
my-controller:
  id: my/controller
  config: {someField: 42}
`), hot.NewFactories(b))
	fmt.Println(err)
	// Output:
	// 2 problems in the config set:
	// 	hot-compiler: config: key "outputDir" is given twice: YAML keeps only the last, so one of them would be ignored; remove one
	// 	hot-compiler (hotbus/compiler): config: invalid: debounceDur "2h" is longer than 1m0s, the most it may be: changes would wait that long before anything happens; use something like "100ms"
}
