//go:build unix && !linux

package hot_compiler

import "syscall"

// buildProcAttr starts a build's go command in a new process group.
func buildProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
