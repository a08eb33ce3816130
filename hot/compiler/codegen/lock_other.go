//go:build !unix

package codegen

// LockUnits is a no-op off unix: every lock is granted. Processes sharing
// a codegen dir there may remove a unit another build is using (the
// build then fails and the next save builds again).
func LockUnits(root string, exclusive, wait bool) (*UnitsLock, error) {
	return &UnitsLock{}, nil
}

// Unlock releases nothing.
func (l *UnitsLock) Unlock() {}
