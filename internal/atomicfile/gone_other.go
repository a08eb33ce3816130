//go:build !unix

package atomicfile

// WriterGone reports whether no process has the pid pid. Off unix, it
// can't tell, and says no: stale temporary files are kept.
func WriterGone(pid int) bool { return false }
