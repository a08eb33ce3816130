//go:build !unix

package hot_loader

import "io/fs"

// unixPerms is true where the permission bits do not say who may write a file (Windows
// reports 0666 for any writable file): they are not checked; use the
// directory's ACLs.
const unixPerms = false

// fileID returns 0, 0: without inodes, a new build is told by its size and
// modification time (and its sha256, after the copy).
func fileID(fs.FileInfo) (dev, ino uint64) {
	return 0, 0
}

// fileOwner reports no owner: file ownership is not a uid here, so only
// the permission bits are checked.
func fileOwner(fs.FileInfo) (uid int, ok bool) {
	return 0, false
}
