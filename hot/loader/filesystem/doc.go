// Package hot_loader_filesystem is the filesystem plugin loader controller.
//
// The loader scans a plugins directory for *.cbus.so files, loads each (Go
// plugin) and puts the plugin's controller factory resolver on the bus, so
// the host constructs the plugin's controllers by config ID, from code or
// from a config set. With Watch it follows the directory: a new file loads,
// a newer build of a loaded binary ID replaces the older one (its
// controllers are stopped first and come back with the new code and their
// configs), a removed file's controllers stop and its resolver leaves the
// bus.
//
// Lifecycle of Execute:
//
//  1. Wait for Dir to exist (logged), check that it is safe (owned by this
//     user, not writable by group or others, unless
//     allow_insecure_permissions), make a private temporary directory
//     (mode 0700, deleted on exit) for the copies the loader opens.
//  2. Scan Dir and load every plugin; with Watch, watch Dir with fsnotify
//     and scan again once it has been quiet for DebounceDur; a plugin
//     published by the compiler (renamed into place after its build
//     manifest) is scanned after 15 ms of quiet instead.
//  3. For each new or changed file: security checks, a copy under a unique
//     name in the private directory (plugin.Open caches by path: a new
//     build written over a path is a new copy, and a path that failed is
//     never reopened), preflight (internal/preflight: would the runtime
//     accept it?), plugin.Open, the ControllerBusHotPlugin symbol,
//     NewHotResolver with the plugin's own context, then the swap.
//  4. If a controller of the new build fails to start (its config is
//     rejected by the build's Validate, or its factory fails), the error is
//     logged at error level every time, and the loader rolls back: the new
//     build is dropped and the build it replaced, still mapped, goes back
//     on the bus (manifest state "rolled-back" for the new one) until the
//     next build replaces it.
//  5. On exit every plugin's controllers are stopped and its resolver
//     removed.
//
// Stopping a build's controllers cancels their context and waits for them
// to return from Execute, on the signal of their exits, at most
// [StopTimeout]. Go can't stop a goroutine: a controller that ignores its
// context is logged by name and recorded (manifest state "stuck"), and
// keeps running beside the next build until it returns.
//
// A bad plugin never stops the loader: every error is logged and recorded
// in the manifest of loaded plugins (hot/manifest), which the loader writes
// as JSON into Dir after every change and resolves as the
// hot_manifest.WatchManifest directive.
//
// Go can't unload a plugin: a dropped build's code stays mapped until the
// process exits.
//
// A host registers [NewFactory] on its static resolver and starts a loader
// from a config set (config ID "hotbus/loader/filesystem") or from code;
// [Controller.GetManifest], [Controller.WaitManifest] and
// [Controller.WaitExited] serve hosts that hold the controller. Preflight
// knows the plugins this loader opened; plugins opened in the same process
// by other means must have other plugin paths (hot/compiler gives every
// build its own).
package hot_loader_filesystem
