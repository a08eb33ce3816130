// Package hot_loader_process is hotbus's process loader (config ID
// "hotbus/loader/process"): it runs each hot build of a directory, a
// *.cbus.exe executable whose main calls hot_ipc.Serve, as a child
// process, and puts one proxy factory per config ID the child offers on
// the host bus. The host constructs the child's controllers by config ID
// as it would in-process; their configs travel as JSON and the child
// decodes and validates them.
//
// The directory watch, the security checks (owner, permissions, symlinks
// out of the directory), the private copy (what is checked is what runs;
// go-plugin checks its sha256 before starting it), the swap, the rollback
// and the manifest are the shared core's (hot/loader).
//
// Lifecycle of one build:
//
//  1. Open: the copy is started with hot_ipc.Start; the handshake must
//     complete within the handshake timeout, or the process is killed and
//     the build fails (the build it would replace keeps running).
//  2. Reload: the new child is started and has answered before the old
//     build's proxies stop (the old controllers stop first, as
//     in-process); the new proxies then run the same configs in the new
//     child. The old child stays alive as the rollback target: if a
//     controller of the new build is rejected by the new child (its
//     config does not decode or validate), the old build goes back on the
//     bus. It is stopped when a newer build makes it unreachable, or when
//     the loader stops.
//  3. A child that ends by itself (killed, a panic in a goroutine, an
//     os.Exit) is logged by hot_ipc with its exit status and last stderr
//     lines; the host and its other controllers go on; the build starts
//     the child again after DefaultRestartMin, doubling each time up to
//     DefaultRestartMax, and its proxy controllers run again in it.
//  4. Release (the build can't go on the bus again, or the loader stops):
//     the child's controllers stop, then the process; its socket dir and
//     copy are removed with the loader's private directory.
//
// A config the child rejects is logged at error level by the loader each
// time controllerbus retries the controller (with its backoff), with the
// config ID, and the field where the child names it.
package hot_loader_process
