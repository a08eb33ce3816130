// Package hot_manifest records what hotbus built and loaded.
//
// [Build] is the build manifest the compiler writes beside each plugin.
//
// [Manifest] is the record of the plugins a filesystem loader knows: per
// plugin file its binary ID and version, the sha256 of the file, the build
// hash from the build manifest, when it was loaded, the config IDs it
// provides, its [State] and its last error. The loader writes it as JSON
// into the plugins directory ([FileName], atomically, after every change;
// read it with [ReadFile]) and resolves the [WatchManifest] directive with
// it, so any controller can watch it change.
package hot_manifest
