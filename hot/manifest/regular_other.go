//go:build !unix

package hot_manifest

import "os"

// openNonBlocking opens path read-only. Without O_NONBLOCK on this
// platform, a FIFO-like file may block the open; the type check after it
// refuses anything but a regular file.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
