// Package hot_compiler builds hot-reloadable controllerbus plugins from Go
// packages.
//
// A [Compiler] turns a list of controller packages (each with a
// NewFactory(bus.Bus) function) into a Go plugin that loads into a given
// host process on the first try, and a second build of changed code that
// loads beside the first. Its [Controller] (config ID hotbus/compiler,
// [Config]) builds on start and, with watch, on every save.
//
// # The parts
//
// The compiler is four packages, each readable alone; the lower ones
// never import the higher ones:
//
//   - [github.com/hotbus/hotbus/hot/compiler/analysis]: what the hot
//     packages are (go list, the NewFactory check, ConfigIDs, the
//     modules of their closure), the files to watch, and the reuse of the
//     previous analysis for an edit it does not see;
//   - [github.com/hotbus/hotbus/hot/compiler/hostpins]: the host's build
//     info, the plugin's flags and module pins (the plugin main module's
//     go.mod and go.work), the host module's directory, vendor hosts, and
//     the checks of a built plugin against the host;
//   - [github.com/hotbus/hotbus/hot/compiler/codegen]: the build tree: the
//     copies of the hot packages under import-path prefixes (overlay
//     modules and shared units), the generated main package, the build
//     hashes;
//   - this package: [Compiler], [Options] and the steps of a build (go
//     build and its progress, publish, clean up), the controller, its
//     config and source watch.
//
// internal/owned marks the directories hotbus creates (it deletes only
// those); internal/compilertest holds the helpers the parts' tests share.
//
// # A build
//
// [Compiler.BuildFor] (and [Compiler.Build]) runs, in order:
//
//  1. analysis: the packages are listed with the build's go command and
//     flags and type-checked (types of dependencies from export data), their NewFactory functions
//     checked, and the modules they depend on listed; a rebuild reuses the
//     previous analysis when the edit changed none of what it depends on
//     (package names, imports, build constraints, NewFactory's signature,
//     ConfigID, the file set, go.mod), so an edit inside function bodies
//     costs no go list;
//  2. host pinning: the host's build info (this process, or
//     [Options.HostBinary]) gives the Go version, the build flags and every
//     module version and replacement the host was built with (the
//     settings that matter are internal/hostinfo's table); plugins are
//     linked without DWARF (-ldflags=-w after the host's own -ldflags)
//     unless [Options.KeepDebugInfo];
//  3. up to date?: a plugin already published for the same build hash,
//     that still fits the host, is not rebuilt ([Result.Unchanged]);
//  4. generate: the hot packages are copied under a per-build import-path
//     prefix ("<BuildPrefix>-<hash>/<import path>") into overlay modules,
//     their imports of each other rewritten; where no internal package is
//     involved, each package is a unit whose prefix hashes only its own
//     sources and those of the hot packages it imports, so an edit changes
//     the import path of the edited package and its importers only, and
//     go build reuses its cache for the others; a plugin main module is
//     written that requires every host module at the host's exact version;
//  5. build: go build -buildmode=plugin offline (GOPROXY=off) with the
//     host's flags; compile errors are a [*BuildError] that names the
//     user's original files; a long build logs its progress and reports
//     it to [Options.Progress] ([BuildProgress]), and a build that
//     compiles the Go runtime (a cold build cache) says so;
//  6. verify: the plugin's module versions are compared with the host's,
//     and the preflight asks whether the runtime would load it;
//  7. publish: the plugin is written atomically into the output directory
//     with its build manifest (hot_manifest.Build); the controller
//     announces it at once (hot_manifest.WatchPublished), so a loader of
//     the directory on the same bus need not wait for fsnotify;
//  8. clean up: older builds of the same output pattern, and units no
//     build uses any more, are removed.
//
// # Build targets
//
// [Options.Target] (the config's target field) picks what is built.
// [TargetPlugin], the default, is the build above. What is the plugin
// target's lives in this package, not in the parts: -buildmode=plugin and
// the host's flags (hostpins.PluginFlags), the per-build import-path
// prefix (prepare.go), and the pins of every host module (hostpins.Plan).
//
// [TargetProcess] builds a child executable (.cbus.exe) for
// hotbus/loader/process (child.go): the analysis, hash, publish and clean
// up steps are the same, and the generated main (codegen.GenerateMain with
// Child) calls hot_ipc.Serve with the hot packages' factories. Nothing of
// the host is read or matched: no host build info, no pins, no prefix, no
// preflight, any Go version. The hot packages are built as they are, in
// the work dir's own module: go build -overlay adds the generated main in
// a directory that exists only in the overlay, and -modfile uses a copy
// of the module's go.mod and go.sum that the offline go command completes
// from the module cache (in a go.work workspace, the workspace as it is).
// So the module must require github.com/hotbus/hotbus ([ChildModuleError]
// says how otherwise), every local package the hot packages import is
// hashed and watched, and an edit to any of them, one the host links
// included, is built into the next child. A vendor directory is not used
// (the modules come from the module cache).
package hot_compiler
