package hot_ipc

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-plugin/runner"
)

// procRunner is the go-plugin runner.Runner of a child: an exec.Cmd whose
// exit is observable (done, waitErr, state), which go-plugin's own command
// runner does not expose. go-plugin still drives it: Start, the handshake
// on stdout, stderr, Wait and Kill.
type procRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	pid    int

	done     chan struct{}
	waitOnce sync.Once
	waitErr  error

	// killed is set when Kill signalled a process not yet reaped: an exit
	// by signal then is the host's doing, not the child's.
	killed atomic.Bool

	// startCtx kills the process while it ends before stopKill is called:
	// go-plugin's Client.Start cannot be interrupted otherwise.
	startCtx context.Context
	stopKill func() bool
}

// newProcRunner prepares cmd (not started); ending startCtx kills it
// until stopKillOnCancel is called.
func newProcRunner(startCtx context.Context, cmd *exec.Cmd) (*procRunner, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	return &procRunner{
		cmd: cmd, stdout: stdout, stderr: stderr,
		done: make(chan struct{}), startCtx: startCtx, stopKill: func() bool { return false },
	}, nil
}

// Start starts the process.
func (r *procRunner) Start(context.Context) error {
	if err := r.startCtx.Err(); err != nil {
		return err
	}
	if err := r.cmd.Start(); err != nil {
		return err
	}
	r.pid = r.cmd.Process.Pid
	r.stopKill = context.AfterFunc(r.startCtx, func() { _ = r.Kill(context.Background()) })
	return nil
}

// stopKillOnCancel ends the link between startCtx and the process.
func (r *procRunner) stopKillOnCancel() {
	r.stopKill()
}

// Wait waits for the process to exit and records how it did.
func (r *procRunner) Wait(context.Context) error {
	r.waitOnce.Do(func() {
		r.waitErr = r.cmd.Wait()
		close(r.done)
	})
	<-r.done
	return r.waitErr
}

// Kill kills the process; killing an exited process is not an error.
func (r *procRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if r.exitState() == nil {
		r.killed.Store(true)
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// exitState returns the process state once it exited, else nil.
func (r *procRunner) exitState() *os.ProcessState {
	select {
	case <-r.done:
		return r.cmd.ProcessState
	default:
		return nil
	}
}

// exitedByItself reports whether the process ended on its own: it was
// reaped, and either the host never killed it or it exited with a status
// (a child that exited just before the kill arrived). On Windows a killed
// process has an exit status too, so a kill by the host decides there.
func (r *procRunner) exitedByItself() bool {
	st := r.exitState()
	return st != nil && (!r.killed.Load() || st.Exited() && runtime.GOOS != "windows")
}

// Diagnose adds nothing: Start reports the exit status and stderr itself.
func (r *procRunner) Diagnose(context.Context) string { return "" }

// Stdout is the handshake stream.
func (r *procRunner) Stdout() io.ReadCloser { return r.stdout }

// Stderr is the child's log stream.
func (r *procRunner) Stderr() io.ReadCloser { return r.stderr }

// Name is the executable path.
func (r *procRunner) Name() string { return r.cmd.Path }

// ID is the PID ("" before Start).
func (r *procRunner) ID() string {
	if r.pid == 0 {
		return ""
	}
	return strconv.Itoa(r.pid)
}

// PluginToHost keeps addresses as they are: same machine, same namespace.
func (r *procRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

// HostToPlugin keeps addresses as they are.
func (r *procRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// _ is a type assertion
var _ runner.Runner = ((*procRunner)(nil))
