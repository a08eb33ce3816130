//go:build !unix

package hot_compiler

// lockFile is a no-op off unix: every lock is granted. Processes sharing
// a codegen dir there may remove a unit another build is using (the
// build then fails and the next save builds again).
func lockFile(path string, exclusive, wait bool) (*fileLock, error) {
	return &fileLock{}, nil
}

// unlock releases nothing.
func (l *fileLock) unlock() {}
