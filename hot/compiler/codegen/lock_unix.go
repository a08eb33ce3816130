//go:build unix

package codegen

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// LockUnits takes an advisory lock (flock) on the lock file of the units
// dir root, created if needed: shared or exclusive. With wait false, a lock held by another
// open file, in this process or another, returns errLocked at once.
// The lock goes with the process: a killed holder holds nothing.
func LockUnits(root string, exclusive, wait bool) (*UnitsLock, error) {
	path := unitsLockPath(root)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &UnitsLock{f: f}, nil
}

// Unlock releases the lock.
func (l *UnitsLock) Unlock() {
	if l != nil && l.f != nil {
		_ = l.f.Close()
	}
}
