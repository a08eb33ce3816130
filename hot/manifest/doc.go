// Package hot_manifest records what hotbus built and loaded.
//
// [Build] is the build manifest the compiler writes beside each plugin.
package hot_manifest
