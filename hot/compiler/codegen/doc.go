// Package codegen writes the build tree of a plugin: the copies of the hot
// packages under import-path prefixes, the generated main package, and the
// hashes that name them.
//
// [GenerateMain] renders the plugin's main package from a [MainSpec]: one
// [FactoryImport] per hot package, under aliases that shadow nothing; with
// [MainSpec.Child], the main of a child executable (process mode), which
// calls hot_ipc.Serve with the same factories. A child's [Tree] holds only
// that main, the go command's overlay ([Tree.GoOverlay]) and a copy of the
// user's go.mod ([Tree.ModFile]): it is built in the user's module root
// ([Tree.MainPackage]), and [Tree.RewriteOutput] makes the relative file
// names of its output absolute.
//
// A [Tree] ([NewTree]) lays out one build: the plugin main module in
// [MainDirName], and the overlay modules ([Overlay]) that hold the copies
// of the hot packages under the build's prefix, their imports of each
// other rewritten ([Tree.WriteOverlays]). Where no internal package is
// involved, a package is copied as a unit instead ([PlanUnits]): a module
// of its own in the units dir ([UnitsDir]), named by the hash of its own
// inputs and those of the hot packages it imports, written once and shared
// by builds and processes. A build holds [LockUnits] while it uses them;
// [RemoveUnits] and [PruneUnits] remove only units hotbus made.
//
// [Requirements] adds the overlays and units to the host's requirements
// (hostpins.Plan) and records what of the user's each comes from
// ([Tree.Origins]), so that [Tree.ExplainGoMod] and [Tree.RewriteOutput]
// can name the user's files in go command output.
//
// [BuildHash] hashes everything a build depends on ([HashInputs]);
// [ExpandHash] puts a hash where [BuildHashPlaceholder] is.
//
// The package imports analysis and hostpins, never the compiler.
package codegen
