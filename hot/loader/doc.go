// Package hot_loader is the shared core of hotbus's loaders: what a loader
// does with a directory of builds, whatever a build is. A loader
// controller (hot/loader/filesystem for Go plugins in-process; a process
// loader for child processes) holds a [Loader], hands it an [Opener] that
// knows how its kind of build is opened, and forwards Execute and
// HandleDirective to it.
//
// The loader scans the directory for files ending in the opener's
// [Opener.Suffix], loads each, and puts the build's controller factory
// resolver on the bus, so the host constructs the build's controllers by
// config ID, from code or from a config set. With Watch it follows the
// directory: a new file loads, a newer build of a loaded binary ID
// replaces the older one (its controllers are stopped first and come back
// with the new code and their configs), a removed file's controllers stop
// and its resolver leaves the bus.
//
// Lifecycle of [Loader.Execute]:
//
//  1. Wait for Dir to exist (logged), check that it is safe (owned by this
//     user, not writable by group or others, unless
//     AllowInsecurePermissions), make a private temporary directory
//     (mode 0700, deleted on exit) for the copies the loader opens.
//  2. Scan Dir and load every build; with Watch, watch Dir with fsnotify
//     and scan again once it has been quiet for Debounce; a build
//     published by the compiler (renamed into place after its build
//     manifest) is scanned after 15 ms of quiet instead. A compiler on the
//     same bus announces each publish (hot_manifest.WatchPublished, which
//     the loader adds for Dir): the loader scans at once, and once a
//     compiler has announced, fsnotify events wait the whole Debounce as
//     a fallback. A scan loads only files whose stamp changed, so a
//     publish seen both ways loads once.
//  3. For each new or changed file: security checks (a symlink out of Dir
//     is refused unless AllowExternalSymlinks), a copy under a unique name
//     in the private directory with its sha256 (a new build written over a
//     path is a new copy), [Opener.Open] of the copy, [Build.NewResolver]
//     with the build's own context, then the swap.
//  4. If a controller of the new build fails to start (its config is
//     rejected by the build's Validate, or its factory fails), the error is
//     logged at error level every time, and the loader rolls back: the new
//     build is dropped and the build it replaced goes back on the bus
//     (manifest state "rolled-back" for the new one) until the next build
//     replaces it.
//  5. On exit every build's controllers are stopped, its resolver removed
//     and the build released.
//
// Stopping a build's controllers cancels their context and waits for them
// to return from Execute, on the signal of their exits, at most
// [StopTimeout]; then [Build.Dropped]. Go can't stop a goroutine: a
// controller that ignores its context is logged by name and recorded
// (manifest state "stuck"), and keeps running beside the next build until
// it returns; the loader waits for that in the background, as long as it
// runs, then logs that it exited at last and clears the record (Stuck
// emptied, the state the drop gave it: superseded, removed). A build is released ([Build.Release]) once it can't go on
// the bus again: neither on it nor the one a rollback would put back. A
// [ProcessBuild] (process mode) keeps a process running while it is the
// rollback target, so it is released as soon as the build that replaced
// it is proven ([ProcessBuild.Proven]: a controller of it runs); its
// process state (PID, restarts, last exit) is recorded in the manifest.
//
// A bad build never stops the loader: every error is logged and recorded
// in the manifest of loaded builds (hot/manifest), with the opener's
// [Opener.Mode], which the loader writes as JSON into Dir after every
// change and resolves as the hot_manifest.WatchManifest directive for its
// directory and loader ID.
//
// [Loader.GetManifest], [Loader.WaitManifest] and [Loader.WaitExited]
// serve hosts and tests that hold the loader controller.
package hot_loader
