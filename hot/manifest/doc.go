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
//
// [WatchPublished] is the other way round: a compiler on the bus resolves
// it with each build it publishes into its output directory ([Published]),
// so a loader of that directory on the same bus scans it at once instead
// of waiting for the filesystem.
package hot_manifest
