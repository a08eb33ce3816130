//go:build !unix

package hot_compiler

import "os/exec"

// isolateBuild bounds the wait for cmd's output after a cancel. Off unix,
// a canceled build kills the go command only (exec.CommandContext's
// default), not the processes it started.
func isolateBuild(cmd *exec.Cmd) {
	cmd.WaitDelay = buildWaitDelay
}
