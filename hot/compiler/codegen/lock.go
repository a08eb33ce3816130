package codegen

import (
	"errors"
	"os"
	"path/filepath"
)

// Processes that share a codegen dir (two daemons on the same sources,
// with the default codegen dir) never write the same tree: each build
// generates into a tree of its own, "build-<pid>-<build hash>" (the compiler's workdir.go).
// What they do share is the units dir, whose copies are written once,
// atomically, at a path fixed by their content (units.go). A build holds a
// shared lock on the units dir from before it writes or reuses a unit
// until its go build is done; units are removed only under the exclusive
// lock, taken without waiting: when another build holds the shared lock,
// removal waits for a later build.

// UnitsLock is a held lock on a units dir (lock_unix.go, lock_other.go):
// [LockUnits] takes it, [UnitsLock.Unlock] releases it.
type UnitsLock struct {
	f *os.File
}

// errLocked is what [LockUnits] returns, when it does not wait, for a
// lock held by another build.
var errLocked = errors.New("locked by another build")

// unitsLockName is the lock file in the units dir; a dot name, which
// pruning never matches.
const unitsLockName = ".hotbus-lock"

// unitsLockPath returns the lock file of the units dir root.
func unitsLockPath(root string) string {
	return filepath.Join(root, unitsLockName)
}
