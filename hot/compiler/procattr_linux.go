package hot_compiler

import "syscall"

// buildProcAttr starts a build's go command in a new process group, killed
// when the thread that started it dies.
func buildProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
