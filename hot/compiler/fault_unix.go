//go:build unix

package hot_compiler

import (
	"errors"
	"syscall"
)

// isNoSpace reports whether err is a full device (ENOSPC, or EDQUOT: a
// disk quota reached).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isNameTooLong reports whether err is a name or path too long for the
// file system (ENAMETOOLONG).
func isNameTooLong(err error) bool {
	return errors.Is(err, syscall.ENAMETOOLONG)
}
