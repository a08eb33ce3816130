//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// WriterGone reports whether no process has the pid pid, so a temporary
// file it wrote is stale. A process that exists but belongs to another
// user counts as alive, as does this process. (A pid reused since by an
// unrelated process keeps a stale file: the safe side.)
func WriterGone(pid int) bool {
	if pid <= 0 || pid == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
