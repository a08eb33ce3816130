package hot_ipc

import (
	"fmt"
	"os"
	"runtime"
)

// maxSocketPath is the longest unix socket path every platform takes:
// sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, the
// terminating NUL included.
const maxSocketPath = 103

// socketNameLen is what go-plugin adds to the socket dir: a directory
// "plugin-dir<random>" and in it the socket "plugin<random>", each random
// part at most 10 digits.
const socketNameLen = len("/plugin-dir0123456789/plugin0123456789")

// fallbackSocketDir is where sockets go when the OS temp dir's path is too
// long for one (as a macOS TMPDIR under /var/folders, or a test's temp
// dir, can be).
const fallbackSocketDir = "/tmp"

// socketDir returns the directory go-plugin is to make the child's unix
// socket in: dir, or with dir "" the OS temp dir, or, when that path is
// too long for a socket path, /tmp. A dir given that is too long is an
// error that says so. On Windows go-plugin uses TCP on loopback, and dir
// is returned as it is.
func socketDir(dir string) (string, error) {
	if runtime.GOOS == "windows" {
		return dir, nil
	}
	given := dir != ""
	if !given {
		dir = os.TempDir()
	}
	if len(dir)+socketNameLen <= maxSocketPath {
		return dir, nil
	}
	if given {
		return "", fmt.Errorf("socket dir %s is %d bytes long: the child's unix socket in it would be longer than the %d bytes a socket path may have; give a shorter SocketDir", dir, len(dir), maxSocketPath)
	}
	return fallbackSocketDir, nil
}
