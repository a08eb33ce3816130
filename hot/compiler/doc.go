// Package hot_compiler builds hot-reloadable controllerbus plugins from Go
// packages.
//
// A [Compiler] turns a list of controller packages (each with a
// NewFactory(bus.Bus) function) into a Go plugin that loads into a given
// host process on the first try, and a second build of changed code that
// loads beside the first. [Compiler.Build] runs, in order:
//
//  1. analysis: the packages are loaded with golang.org/x/tools/go/packages
//     (types of dependencies from export data), their NewFactory functions
//     checked, and the modules they depend on listed ([Analysis]); a
//     rebuild reuses the previous analysis when the edit changed none of
//     what it depends on (package names, imports, build constraints,
//     NewFactory's signature, ConfigID, the file set, go.mod), so an edit
//     inside function bodies costs no go list (reuse.go);
//  2. host pinning: the host's build info (this process, or
//     [Options.HostBinary]) gives the Go version, the build flags and every
//     module version and replacement the host was built with ([Host]; the
//     settings that matter are internal/hostinfo's table); plugins are
//     linked without DWARF (-ldflags=-w after the host's own -ldflags)
//     unless [Options.KeepDebugInfo];
//  3. codegen: the hot packages are copied under a per-build import-path
//     prefix ("<BuildPrefix>-<hash>/<import path>") into overlay modules,
//     their imports of each other rewritten; where no internal package is
//     involved, each package is a unit whose prefix hashes only its own
//     sources and those of the hot packages it imports, so an edit changes
//     the import path of the edited package and its importers only, and
//     go build reuses its cache for the others (units.go); a plugin main
//     module is
//     written that requires every host module at the host's exact version
//     ([codegen.GenerateMain], [MainGoMod], [codegen.Tree]);
//  4. build: go build -buildmode=plugin offline (GOPROXY=off) with the
//     host's flags; compile errors are a [*BuildError] that names the
//     user's original files; a long build logs its progress and reports
//     it to [Options.Progress] ([BuildProgress]), and a build that
//     compiles the Go runtime (a cold build cache) says so;
//  5. publish: the plugin is checked against the host, written atomically
//     into the output directory with its build manifest
//     (hot_manifest.Build), and older builds of the same output pattern
//     are removed.
//
// Identical inputs give an identical build hash: a build whose plugin is
// already published is not redone ([Result.Unchanged]).
package hot_compiler
