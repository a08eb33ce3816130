//go:build unix

package hot_compiler

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// isolateBuild makes cmd, a go command of a build, run in a process group
// of its own, which a canceled build (or a stopping compiler) kills as a
// whole: the go command and every compile and link it started, so none
// runs on and writes into the plugins dir after the build is over. On
// Linux the go command also dies with the thread that started it
// (Pdeathsig), so a compiler killed with SIGKILL leaves no go command
// running either (its compile and link processes end on their own, and
// what they wrote is in the build's tree, which the next compiler removes:
// workdir.go).
func isolateBuild(cmd *exec.Cmd) {
	cmd.SysProcAttr = buildProcAttr()
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = buildWaitDelay
}
