//go:build unix

package hot_ipc

import (
	"context"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// startRunner starts name with args under a procRunner and reaps it in the
// background, as go-plugin does.
func startRunner(t *testing.T, name string, args ...string) *procRunner {
	t.Helper()
	r, err := newProcRunner(context.Background(), exec.Command(name, args...))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.stopKillOnCancel()
	t.Cleanup(func() {
		_ = r.Kill(context.Background())
		_ = r.Wait(context.Background())
	})
	return r
}

// waitExitedUnreaped waits until the process has exited, leaving it a
// zombie: Wait has not reaped it yet.
func waitExitedUnreaped(t *testing.T, pid int) {
	t.Helper()
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != syscall.EINTR {
			if err != nil {
				t.Fatalf("waitid %d: %v", pid, err)
			}
			return
		}
	}
}

// TestExitedByItself: a start that fails tells a child that exited (with
// a status, or killed by someone else) from one the host killed, as
// go-plugin does when the handshake times out. The message depends on it:
// "exited before the handshake" or "no handshake within".
func TestExitedByItself(t *testing.T) {
	t.Run("killed by the host while running", func(t *testing.T) {
		r := startRunner(t, "sleep", "60")
		if err := r.Kill(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = r.Wait(context.Background())
		if r.exitedByItself() {
			t.Errorf("exitedByItself = true for a process the host killed (%s)", r.cmd.ProcessState)
		}
	})
	t.Run("exited, then killed before it was reaped", func(t *testing.T) {
		r := startRunner(t, "sh", "-c", "exit 3")
		waitExitedUnreaped(t, r.pid)
		if err := r.Kill(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = r.Wait(context.Background())
		if !r.exitedByItself() {
			t.Errorf("exitedByItself = false for a process that exited with %s", r.cmd.ProcessState)
		}
	})
	t.Run("exited and reaped, then killed", func(t *testing.T) {
		r := startRunner(t, "sh", "-c", "exit 3")
		_ = r.Wait(context.Background())
		if err := r.Kill(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !r.exitedByItself() {
			t.Errorf("exitedByItself = false for a process that exited with %s", r.cmd.ProcessState)
		}
	})
	t.Run("killed by someone else", func(t *testing.T) {
		r := startRunner(t, "sleep", "60")
		if err := syscall.Kill(r.pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = r.Wait(context.Background())
		if !r.exitedByItself() {
			t.Errorf("exitedByItself = false for a process killed outside the host (%s)", r.cmd.ProcessState)
		}
	})
	t.Run("running", func(t *testing.T) {
		r := startRunner(t, "sleep", "60")
		if r.exitedByItself() {
			t.Error("exitedByItself = true for a running process")
		}
	})
}
