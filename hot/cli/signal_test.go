package hot_cli_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
)

// TestSecondSignalExitsAtOnce sends this process a signal twice: the
// first cancels the context (an orderly stop), the second exits at once
// with 128 plus the signal number.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	var out bytes.Buffer
	exited := make(chan int, 1)
	ctx, stop := hot_cli.NotifyContext(context.Background(), &out, func(code int) { exited <- code }, syscall.SIGUSR1)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case code := <-exited:
		t.Fatalf("exited (%d) on the first signal", code)
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 128+int(syscall.SIGUSR1) {
			t.Errorf("exit code %d, want %d", code, 128+int(syscall.SIGUSR1))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not exit")
	}
	if !strings.Contains(out.String(), "exiting at once") {
		t.Errorf("the second signal was not explained: %q", out.String())
	}
}
