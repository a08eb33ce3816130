// Package hot_loader_filesystem is the filesystem plugin loader
// controller: it loads Go plugins into the host process.
//
// The loader scans a plugins directory for *.cbus.so files, loads each (Go
// plugin) and puts the plugin's controller factory resolver on the bus, so
// the host constructs the plugin's controllers by config ID, from code or
// from a config set. With Watch it follows the directory: a new file loads,
// a newer build of a loaded binary ID replaces the older one, a removed
// file's controllers stop and its resolver leaves the bus; a new build
// whose controllers fail to start is rolled back to the one it replaced.
//
// All of that is the loaders' shared core, hot/loader (hot_loader), whose
// package doc gives the lifecycle. This package is the config, the
// factory, the controller and the in-process opener: for each build, after
// the core's security checks and private copy, preflight
// (internal/preflight: would the runtime accept it?), plugin.Open of the
// copy (plugin.Open caches by path: a new build is a new copy, and a path
// that failed is never reopened), and the ControllerBusHotPlugin symbol,
// whose NewHotResolver gives the build's factories. A panic in a plugin's
// package init is caught, and a later plugin linking a package whose init
// did not finish is refused (the Go runtime would abort the process).
//
// Go can't unload a plugin: a dropped build's code stays mapped until the
// process exits (the opener's Release does nothing), and a build opened
// once is reused if its file comes back.
//
// A host registers [NewFactory] on its static resolver and starts a loader
// from a config set (config ID "hotbus/loader/filesystem") or from code;
// [Controller.GetManifest], [Controller.WaitManifest] and
// [Controller.WaitExited] serve hosts that hold the controller. Preflight
// knows the plugins this loader opened; plugins opened in the same process
// by other means must have other plugin paths (hot/compiler gives every
// build its own).
package hot_loader_filesystem
