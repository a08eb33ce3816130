// Package analysis finds out what the compiler must know of the hot
// packages, and nothing of how they are built: it runs go list with the
// go command it is given ([Options.GoCommand]) and type-checks the hot
// packages with go/types against the export data of their imports,
// keeping the results in golang.org/x/tools/go/packages' types.
//
// [Analyze] loads the packages the patterns match in a work dir, checks
// that each declares NewFactory(bus.Bus) returning a controller.Factory,
// reads its ConfigID constant, lists the internal packages their copies
// need ([Analysis.Support]) and the module of every package in their
// dependency closure ([Analysis.DepModules], [Analysis.Modules]). As in
// go/packages, the call fails only for its own reasons: the problems of
// individual packages are collected in an [*AnalysisError], a list of
// [Problem]s with positions, whose [AnalysisError.Files] a watcher waits
// on for the fix.
//
// [WatchFiles] lists the files whose change calls for a rebuild, and
// [Analysis.ConfigIDs] the config IDs the packages declare.
//
// A [Record] of an analysis ([NewRecord], given the [Stamps] of the files
// taken before the analysis ran, [StatFiles]) tells whether a later edit
// can change it: [Record.Reuse] returns the recorded analysis for an edit
// inside function bodies or to declarations the analysis does not use, so
// such a rebuild costs no go list.
//
// The package imports nothing of the compiler; hostpins, codegen and the
// compiler build on it.
package analysis
