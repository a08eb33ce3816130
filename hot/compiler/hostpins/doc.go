// Package hostpins reads the host a plugin must load into and pins the
// plugin's modules to it.
//
// A [Host] is the host's build info, read once ([CurrentHost],
// [ReadHost]): its Go version, build settings and modules. [PluginFlags]
// and [Env] are the go build flags and environment that reproduce the
// host's settings for a plugin, and [Pins] the host's modules as the
// build manifest records them.
//
// [Plan] lists the requirements of the plugin main module: every host
// module at the host's exact version and replacement, those built from
// local source at their directory ([DirResolver] finds it: from the
// analysis, the work dir's modules, the host binary's file paths, or the
// directory the user names), and the modules the hot packages need that
// the host lacks. A module the hot packages need at a newer version than
// the host's is a [*PinError]; a host built from its vendor directory
// gets a [VendorPlan]. [MainGoMod] and [WorkspaceFiles] write the
// requirements as a go.mod (and go.work): pure functions, tested against
// golden files.
//
// After the build, [VerifyPins] compares the plugin's build info with the
// host's, and [CheckHost] asks the preflight whether the Go runtime would
// load it ([PreflightHost]; [LinkedPackages] lists the host's packages).
//
// The package knows nothing of build trees: codegen and the compiler
// build on it.
package hostpins
