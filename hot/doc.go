// Package hot is the front door of hotbus: hot reloading for controllerbus
// applications. Edit a controller's Go source, and the running host process
// swaps in the new code within about a second, without a restart, with the
// controller's config carried over.
//
// # Using it
//
// A host registers the hotbus factories on its bus with [AddFactories] and
// starts two controllers by config ID, usually from its config set YAML
// (applied with [ApplyConfigSetYAML] or controllerbus's configset):
//
//	hot-loader:
//	  id: hotbus/loader/filesystem
//	  config: {dir: ./plugins, watch: true}
//	hot-compiler:
//	  id: hotbus/compiler
//	  config:
//	    workDir: .
//	    packages: [./mycontroller]
//	    outputDir: ./plugins
//	    watch: true
//	    pluginBinaryId: my-plugin
//
// Any other entry of the config set may then name a config ID that a plugin
// provides: it starts when the plugin is loaded, and restarts on the new
// code at every reload.
//
// [WithCheck] makes [ApplyConfigSetYAML] check the whole set first
// ([CheckConfigSetYAML]: unknown fields, duplicate keys, each config's
// Validate) and refuse it with a [ConfigSetError] naming each entry and
// field; [WithBaseDir] resolves the configs' relative paths against the
// YAML file's directory. On shutdown, release the set and wait with
// [WaitControllersExited] before canceling the bus: controllers get their
// stop, and loaders remove their private copies of the plugins. The hot-builder command (cmd/hot-builder) is such a
// host ("hot-builder daemon --config bus.yaml"), and also compiles plugins
// without a host: once ("compile", "codegen"), or on every save for a host
// in another process ("watch").
//
// # Two modes
//
// In-process mode (hotbus/loader/filesystem, the compiler's default
// target) opens each build as a Go plugin into the host: the fastest
// reload, and full fidelity, since the controllers share the host's bus,
// types and memory. But the old code stays mapped (Go can't unload a
// plugin), a package the host itself links can't change until the host
// restarts, a crash in the plugin's code ends the host, and it runs only
// where Go plugins do (Linux, macOS).
//
// Process mode (hotbus/loader/process, with the compiler's "target:
// process") runs each build as a child executable with its own bus, on
// hashicorp/go-plugin (package hot/ipc): an old child exits and its
// memory is freed, a crash ends only the child (the loader starts it
// again with backoff), any package may change, and it runs wherever Go
// runs. What crosses the process boundary: each controller's config, as
// JSON, decoded and validated by the child; its status; the child's logs,
// tagged binary-id and pid; and the directives a child controller adds
// that nothing in the child resolves, if they are directive.Networked and
// the host registered them (hot_loader_process.NewFactoryWithDirectives),
// with their values coming back as protobuf. Nothing else does: controller
// objects, Go values, channels, directives from the host to the child.
//
// # The packages
//
//   - hot/plugin (hot_plugin) is the contract between host and plugin: a
//     plugin's main package exports ControllerBusHotPlugin, a
//     hot_plugin.HotPlugin built with hot_plugin.NewStaticPlugin, whose
//     resolver hands the host the plugin's controller factories. The
//     factories stop their controllers when the plugin is dropped and convert
//     configs made by an older build of the plugin to their own type.
//   - hot/compiler (hot_compiler) turns controller packages into a plugin:
//     it analyzes them with go/packages (each must have NewFactory(bus.Bus);
//     hot/compiler/analysis), pins every other module to exactly what the
//     host was built with (hot/compiler/hostpins), generates the plugin's
//     main package and copies the packages under import-path prefixes
//     unique to their content (hot/compiler/codegen), runs go build
//     -buildmode=plugin with the host's flags, and publishes the plugin
//     atomically with a build manifest. With target process it builds a
//     child executable instead, a plain go build in the user's module. Its
//     controller (config ID hotbus/compiler) watches the sources and
//     rebuilds on every save.
//   - hot/ipc (hot_ipc) is the contract between a host and a child
//     executable: hot_ipc.Serve is the child's main, hot_ipc.Start starts
//     one from the host (handshake, checksum, health, logs, exit status)
//     and runs controllers in it by config ID.
//   - hot/loader (hot_loader) is the loaders' shared core: it watches and
//     scans a directory, checks each build file (owner, permissions,
//     symlinks), opens a private copy through an Opener, puts the build's
//     resolver on the bus, and swaps a new build of a binary in for the old
//     one: old controllers stop first, then the new build's start with the
//     same configs; a new build whose controllers fail is rolled back.
//   - hot/loader/filesystem (hot_loader_filesystem) is the in-process
//     loader: the core with an opener that preflights every *.cbus.so and
//     opens it with plugin.Open.
//   - hot/loader/process (hot_loader_process) is the process loader: the
//     core with an opener that starts every *.cbus.exe as a child process
//     (hot/ipc) and puts one proxy factory per config ID it offers on the
//     host bus; a child that crashes is restarted with backoff.
//   - hot/manifest (hot_manifest) records what is loaded (ids, versions,
//     hashes, config IDs, state, last error): in code through a directive,
//     and as a JSON file in the plugins directory; and the directive by
//     which a compiler announces each publish to the loaders on its bus.
//
// # Data flow
//
//	source edit ─▶ compiler controller (fsnotify, debounce)
//	            ─▶ analysis ─▶ codegen + overlay modules + host pins
//	            ─▶ go build -buildmode=plugin ─▶ atomic publish into the plugins dir
//	loader controller (WatchPublished on one bus, else fsnotify) ─▶ preflight ─▶ plugin.Open ─▶ HotPlugin
//	            ─▶ resolver on the bus ─▶ old controllers stopped, new ones started
//	            ─▶ manifest updated
//
// # Go plugins, and how hotbus deals with them
//
// Go plugins are Linux (and macOS) only, need cgo, and have hard rules:
//
//   - Every package a plugin shares with the host must be built from the same
//     source with the same flags, or plugin.Open fails with "plugin was built
//     with a different version of package". The compiler reads the host's
//     build info and mirrors it: module versions and replaces, -trimpath,
//     tags, CGO_ENABLED, -race. The loader compares the linker's package
//     hashes of the plugin and the host before opening, and says which
//     package differs and why, instead of letting the runtime fail.
//   - A package loaded once can't be loaded again in another version. So the
//     packages being reloaded are copied under an import-path prefix unique
//     to their content: every changed package is new code to the runtime,
//     and an unchanged one is the same code, not compiled again.
//   - A plugin can't be unloaded (golang/go#20461). Dropping a plugin stops
//     its controllers and removes its resolver; its code stays mapped. Each
//     reload costs the size of the new code in memory, which is fine for a
//     development session and measured in BENCHMARKS.md.
//   - plugin.Open caches by path and remembers failures. The loader opens a
//     private copy of each file under a unique name and checks a file before
//     opening it, since a failed open can't be undone either.
package hot
