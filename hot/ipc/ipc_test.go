package hot_ipc_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	plugin "github.com/hashicorp/go-plugin"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
)

// execAsync runs Exec in a goroutine; statuses and the result arrive on
// the returned channels.
func execAsync(ctx context.Context, c *hot_ipc.Child, configID, configJSON string) (<-chan controller_exec.ControllerStatus, <-chan error) {
	statuses := make(chan controller_exec.ControllerStatus, 16)
	done := make(chan error, 1)
	go func() {
		done <- c.Exec(ctx, configID, []byte(configJSON), func(r *controller_exec.ExecControllerResponse) {
			statuses <- r.GetStatus()
		})
	}()
	return statuses, done
}

// waitStatus waits until want arrives.
func waitStatus(t *testing.T, statuses <-chan controller_exec.ControllerStatus, done <-chan error, want controller_exec.ControllerStatus) {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		select {
		case st := <-statuses:
			if st == want {
				return
			}
		case err := <-done:
			t.Fatalf("Exec returned %v before status %s", err, want)
		case <-timer.C:
			t.Fatalf("no status %s", want)
		}
	}
}

// waitDone waits for Exec to return and returns its error.
func waitDone(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(waitTimeout):
		t.Fatal("Exec did not return")
		return nil
	}
}

func TestStartInfoExecStop(t *testing.T) {
	f := newHost(t)
	c := f.start(t)

	info := c.Info()
	if info.BinaryID != "ipc-fixture" || info.BinaryVersion != "v1" || info.PID <= 0 || info.Path != f.path {
		t.Fatalf("info = %+v", info)
	}
	if ids := info.ConfigIDs(); !slices.Equal(ids, []string{fixture.ConfigID}) {
		t.Fatalf("config IDs = %v, want [%s]", ids, fixture.ConfigID)
	}
	if v := info.Factories[0].GetControllerVersion(); v != fixture.Version.String() {
		t.Fatalf("controller version = %q, want %q", v, fixture.Version)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	statuses, done := execAsync(ctx, c, fixture.ConfigID, `{"name":"alpha","count":2}`)
	waitStatus(t, statuses, done, controller_exec.ControllerStatus_ControllerStatus_RUNNING)
	pid := strconv.Itoa(info.PID)
	e := f.hook.wait(t, "fixture running", map[string]string{
		"fixture-name": "alpha", "fixture-count": "2", "binary-id": "ipc-fixture", "pid": pid,
	})
	if e.Level.String() != "info" {
		t.Fatalf("child info line arrived at level %s", e.Level)
	}
	// What a controller prints to os.Stdout arrives too (go-plugin's stdio sync).
	f.hook.wait(t, "fixture prints to stdout", map[string]string{"stream": "stdout", "binary-id": "ipc-fixture", "pid": pid})

	cancel()
	if err := waitDone(t, done); err != nil {
		t.Fatalf("Exec after ctx cancel: %v", err)
	}
	stopLine := map[string]string{"fixture-name": "alpha", "binary-id": "ipc-fixture", "pid": pid}
	f.hook.wait(t, "fixture stopped", stopLine)
	// The child ends the call only after the controller returned from
	// Execute: its own log says so, in order (one stderr stream).
	f.hook.wait(t, "child controller stopped", map[string]string{"config-id": fixture.ConfigID})
	if f.hook.index("fixture stopped", stopLine) > f.hook.index("child controller stopped", nil) {
		t.Fatal("the child ended the Exec call before its controller stopped")
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err of a running child: %v", err)
	}
}

func TestExecRejectedConfig(t *testing.T) {
	f := newHost(t)
	c := f.start(t)
	cases := []struct {
		name, configID, json string
		kind                 hot_ipc.RejectKind
		field, says          string
	}{
		{"unknown config ID", "no/such/config", `{}`, hot_ipc.RejectKind_RejectKind_UNKNOWN_CONFIG_ID, "", fixture.ConfigID},
		{"JSON that does not decode", fixture.ConfigID, `{"name":"a","count":"many"}`, hot_ipc.RejectKind_RejectKind_DECODE, "count", "(field count)"},
		{"Validate error", fixture.ConfigID, `{"count":1}`, hot_ipc.RejectKind_RejectKind_VALIDATE, "", "name: must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			calls := 0
			err := c.Exec(ctx, tc.configID, []byte(tc.json), func(*controller_exec.ExecControllerResponse) { calls++ })
			var ce *hot_ipc.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Exec = %v, want *ConfigError", err)
			}
			if ce.ConfigID != tc.configID || ce.Kind != tc.kind || ce.Field != tc.field || ce.BinaryID != "ipc-fixture" {
				t.Fatalf("ConfigError = %+v", ce)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.configID) || !strings.Contains(msg, tc.says) {
				t.Fatalf("error %q does not name config ID %q and %q", msg, tc.configID, tc.says)
			}
			if calls != 0 {
				t.Fatalf("a rejected config reported %d statuses", calls)
			}
		})
	}
	// The child still runs a good config.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	statuses, done := execAsync(ctx, c, fixture.ConfigID, `{"name":"after"}`)
	waitStatus(t, statuses, done, controller_exec.ControllerStatus_ControllerStatus_RUNNING)
	cancel()
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
}

func TestChildKilled(t *testing.T) {
	f := newHost(t)
	c := f.start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	statuses, done := execAsync(ctx, c, fixture.ConfigID, `{"name":"victim"}`)
	waitStatus(t, statuses, done, controller_exec.ControllerStatus_ControllerStatus_RUNNING)
	f.hook.wait(t, "fixture running", map[string]string{"fixture-name": "victim"})

	proc, err := os.FindProcess(c.Info().PID)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	waitExited(t, c)

	var ee *hot_ipc.ExitError
	if !errors.As(c.Err(), &ee) {
		t.Fatalf("Err after SIGKILL = %v, want *ExitError", c.Err())
	}
	f.hook.wait(t, "child process exited", map[string]string{"exit-status": "signal: killed", "binary-id": "ipc-fixture"})
	if ee.Status != "signal: killed" || ee.ExitCode != -1 || ee.PID != c.Info().PID {
		t.Fatalf("ExitError = %+v", ee)
	}
	if !slices.ContainsFunc(ee.LastStderr, func(l string) bool { return strings.Contains(l, "fixture running") }) {
		t.Fatalf("last stderr lines lack the child's last log line: %q", ee.LastStderr)
	}
	execErr := waitDone(t, done)
	if !errors.As(execErr, &ee) {
		t.Fatalf("Exec of a killed child = %v, want an error wrapping *ExitError", execErr)
	}
}

func TestChildPanicInGoroutine(t *testing.T) {
	f := newHost(t)
	c := f.start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, done := execAsync(ctx, c, fixture.ConfigID, `{"name":"panic"}`)
	waitExited(t, c)

	var ee *hot_ipc.ExitError
	if !errors.As(c.Err(), &ee) || ee.ExitCode != 2 {
		t.Fatalf("Err after a panic = %v, want *ExitError with exit code 2", c.Err())
	}
	if !slices.Contains(ee.LastStderr, "panic: fixture panic in a goroutine") {
		t.Fatalf("last stderr lines lack the panic: %q", ee.LastStderr)
	}
	e := f.hook.wait(t, "panic: fixture panic in a goroutine", map[string]string{"binary-id": "ipc-fixture"})
	if e.Level.String() != "error" {
		t.Fatalf("panic line logged at %s, want error", e.Level)
	}
	if err := waitDone(t, done); err == nil {
		t.Fatal("Exec of a crashed child returned nil")
	}
}

func TestStartExitInInit(t *testing.T) {
	f := newHost(t)
	_, err := hot_ipc.Start(context.Background(), f.config("HOTBUS_IPC_FIXTURE_MODE=exit-in-init"))
	var ee *hot_ipc.ExitError
	if !errors.As(err, &ee) || ee.ExitCode != 3 {
		t.Fatalf("Start = %v, want an error wrapping *ExitError with exit code 3", err)
	}
	for _, want := range []string{"exited before the handshake", "exit status 3", "fixture: exiting in init", f.path} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
}

func TestStartHandshakeTimeout(t *testing.T) {
	f := newHost(t)
	cfg := f.config("HOTBUS_IPC_FIXTURE_MODE=hang")
	cfg.HandshakeTimeout = time.Second
	_, err := hot_ipc.Start(context.Background(), cfg)
	if err == nil {
		t.Fatal("Start of a hanging child succeeded")
	}
	for _, want := range []string{"no handshake within 1s", "killed", "fixture: hanging before the handshake"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	// assertNoChildren (cleanup) proves the process is gone.
}

func TestStartCancelled(t *testing.T) {
	f := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := f.config("HOTBUS_IPC_FIXTURE_MODE=hang")
	res := make(chan error, 1)
	go func() {
		_, err := hot_ipc.Start(ctx, cfg)
		res <- err
	}()
	// The child is up (and hanging) once its line arrives.
	f.hook.wait(t, "fixture: hanging before the handshake", nil)
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Start = %v, want context.Canceled", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Start did not return after ctx was cancelled")
	}
	// assertNoChildren (cleanup) proves the process is gone.
}

// TestStartCancelledBeforeTheProcess: a start whose ctx ended before the
// process was made (a restart racing the build's release) fails with the
// ctx's error, and leaves no socket dir behind (newHost's cleanup checks
// SocketDir): go-plugin made one, and removes it only for a process that
// started.
func TestStartCancelledBeforeTheProcess(t *testing.T) {
	f := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hot_ipc.Start(ctx, f.config()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start = %v, want context.Canceled", err)
	}
}

func TestStartChecksumMismatch(t *testing.T) {
	f := newHost(t)
	cfg := f.config()
	cfg.SHA256 = make([]byte, 32)
	_, err := hot_ipc.Start(context.Background(), cfg)
	if !errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
		t.Fatalf("Start = %v, want plugin.ErrChecksumsDoNotMatch", err)
	}
	if !strings.Contains(err.Error(), f.path) {
		t.Fatalf("error %q does not name the executable", err)
	}
	if len(f.hook.entries) != 0 {
		t.Fatalf("a refused child logged: %v", f.hook.entries[0].Message)
	}
}

func TestCloseStopsExecThenProcess(t *testing.T) {
	f := newHost(t)
	c, err := hot_ipc.Start(context.Background(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	statuses, done := execAsync(context.Background(), c, fixture.ConfigID, `{"name":"closing"}`)
	waitStatus(t, statuses, done, controller_exec.ControllerStatus_ControllerStatus_RUNNING)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close stopped the controller before the process: its stop line
	// was written (and so read: the process ended after it).
	if f.hook.index("fixture stopped", map[string]string{"fixture-name": "closing"}) < 0 {
		t.Fatal("the child controller did not stop before the process ended")
	}
	if err := waitDone(t, done); !errors.Is(err, hot_ipc.ErrClosed) {
		t.Fatalf("Exec ended by Close = %v, want ErrClosed", err)
	}
	select {
	case <-c.Exited():
	default:
		t.Fatal("Close returned before the process exited")
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err after Close = %v, want nil", err)
	}
	if err := c.Exec(ctx, fixture.ConfigID, []byte(`{"name":"x"}`), nil); !errors.Is(err, hot_ipc.ErrClosed) {
		t.Fatalf("Exec after Close = %v, want ErrClosed", err)
	}
}

func TestServeRefusesWithoutHost(t *testing.T) {
	path, _ := buildChild(t)
	out, err := exec.Command(path).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("running the child directly: %v, want exit status 1", err)
	}
	want := "this is a hotbus child executable; it is started by hotbus/loader/process"
	if !strings.Contains(string(out), want) {
		t.Fatalf("output %q lacks %q", out, want)
	}
}
