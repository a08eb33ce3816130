//go:build !unix

package hot_compiler

// isNoSpace reports whether err is a full device. Off unix, the errors
// are not classified: they are reported as they are.
func isNoSpace(err error) bool { return false }

// isNameTooLong reports whether err is a name too long for the file
// system. Off unix, the errors are not classified.
func isNameTooLong(err error) bool { return false }
