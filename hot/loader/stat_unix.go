//go:build unix

package hot_loader

import (
	"io/fs"
	"syscall"
)

// unixPerms is true where the permission bits say who may write a file.
const unixPerms = true

// fileID returns the device and inode of a file, which change when a new
// build is renamed over its path.
func fileID(st fs.FileInfo) (dev, ino uint64) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Dev), uint64(sys.Ino) //nolint:unconvert
	}
	return 0, 0
}

// fileOwner returns the uid that owns a file.
func fileOwner(st fs.FileInfo) (uid int, ok bool) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(sys.Uid), true
	}
	return 0, false
}
