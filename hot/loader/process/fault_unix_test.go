//go:build unix

package hot_loader_process_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
)

// fastRestarts makes restarts quick enough for tests, with the doubling
// visible.
var fastRestarts = hot_loader_process.TestOptions{RestartMin: 50 * time.Millisecond, RestartMax: 5 * time.Second}

// twoChildren loads the fixture child and another program beside it, each
// running a controller (the other one under its own config ID, named
// bystander), and returns the bus, the manifest watcher, the
// fixture's path and the other child's PID.
func twoChildren(t *testing.T, o hot_loader_process.TestOptions, fixtureConfig string) (*testBus, *manifests, string, int) {
	t.Helper()
	tb, mw, path, pid, _ := twoChildrenIn(t, o, fixtureConfig)
	return tb, mw, path, pid
}

// twoChildrenIn is twoChildren, also returning the builds dir.
func twoChildrenIn(t *testing.T, o hot_loader_process.TestOptions, fixtureConfig string) (*testBus, *manifests, string, int, string) {
	t.Helper()
	v1 := buildChild(t, "v1", "")
	other := buildChildID(t, "other", "v1", "other-id")
	dir := t.TempDir()
	t0 := time.Now().Add(-time.Hour)
	path := publish(t, v1, dir, "fixture-v1"+hot_manifest.ProcessSuffix, t0)
	otherPath := publish(t, other, dir, "other-v1"+hot_manifest.ProcessSuffix, t0)
	tb := newTestBus(t, o)
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, fixtureConfig)
	mw.waitState(t, path, hot_manifest.StateLoaded)
	orec := mw.wait(t, "a PID", otherPath, func(p hot_manifest.Plugin) bool { return p.State == hot_manifest.StateLoaded && p.PID != 0 })
	tb.apply(t, "other:\n  id: hotbus/ipc/fixture-other\n  config: {name: bystander}\n")
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=bystander", "pid="+strconv.Itoa(orec.PID))
	return tb, mw, path, orec.PID, dir
}

// TestChildKilledIsRestarted kills the child twice with SIGKILL: the host
// goes on, the exit is logged with its status, the other child keeps
// running, and the child is started again after 50 ms, then 100 ms; the
// manifest counts the restarts and says how it ended; the controller runs
// again in each new child.
func TestChildKilledIsRestarted(t *testing.T) {
	tb, mw, path, otherPID, dir := twoChildrenIn(t, fastRestarts, "{name: survivor}")
	pid := 0
	for i, wait := range []string{"50ms", "100ms"} {
		rec := mw.wait(t, "a running child", path, func(p hot_manifest.Plugin) bool { return p.PID != 0 && p.PID != pid })
		pid = rec.PID
		tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=survivor", "pid="+strconv.Itoa(pid))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		tb.logs.WaitLine(t, waitTimeout, "level=error", "the child process ended; starting it again", "exit-status=\"signal: killed\"",
			"pid="+strconv.Itoa(pid), "restarts="+strconv.Itoa(i+1), "restart-in="+wait)
		rec = mw.wait(t, "the restart", path, func(p hot_manifest.Plugin) bool { return p.Restarts == i+1 && p.PID != 0 })
		if !strings.Contains(rec.LastExit, "signal: killed") || rec.State != hot_manifest.StateLoaded {
			t.Errorf("record after restart %d: %+v, want loaded, last exit signal: killed", i+1, rec)
		}
	}
	last := mw.wait(t, "a running child", path, func(p hot_manifest.Plugin) bool { return p.Restarts == 2 && p.PID != 0 })
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=survivor", "pid="+strconv.Itoa(last.PID))
	// The manifest file in the dir (what hot-builder manifest prints) says
	// the same: written before watchers see it.
	m, err := hot_manifest.ReadFile(filepath.Join(dir, hot_manifest.FileNameOf(hot_loader_process.ControllerID)))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Find(path); p == nil || p.Mode != hot_manifest.ModeProcess || p.PID != last.PID || p.Restarts != 2 ||
		!strings.Contains(p.LastExit, "signal: killed") || m.Loader != hot_loader_process.ControllerID {
		t.Errorf("%s: loader %q, record %+v: want process mode, pid %d, 2 restarts, last exit killed", hot_manifest.FileNameOf(hot_loader_process.ControllerID), m.Loader, p, last.PID)
	}
	assertRunning(t, tb, otherPID)
}

// assertRunning fails unless the other child pid runs and its
// controller (bystander) never stopped.
func assertRunning(t *testing.T, tb *testBus, pid int) {
	t.Helper()
	if !testutil.Alive(pid) {
		t.Errorf("the other child %d was stopped", pid)
	}
	for _, line := range strings.Split(tb.logs.String(), "\n") {
		if strings.Contains(line, "fixture stopped") && strings.Contains(line, "fixture-name=bystander") {
			t.Errorf("the other child's controller stopped: %s", line)
		}
	}
}

// TestChildPanicInGoroutineIsRestarted runs a controller that panics in a
// goroutine: the child exits with status 2, the host logs the panic and
// goes on, the other child keeps running, and the child is restarted.
func TestChildPanicInGoroutineIsRestarted(t *testing.T) {
	tb, mw, path, otherPID := twoChildren(t, fastRestarts, "{name: panic}")
	rec := mw.wait(t, "a restart", path, func(p hot_manifest.Plugin) bool { return p.Restarts >= 1 })
	if !strings.Contains(rec.LastExit, "exit status 2") || !strings.Contains(rec.LastExit, "fixture panic in a goroutine") {
		t.Errorf("last exit: %q, want exit status 2 with the panic", rec.LastExit)
	}
	tb.logs.WaitLine(t, waitTimeout, "level=error", "the child process ended; starting it again", "exit-status=\"exit status 2\"",
		"fixture panic in a goroutine", "restart-in=50ms")
	mw.wait(t, "a second restart", path, func(p hot_manifest.Plugin) bool { return p.Restarts >= 2 })
	assertRunning(t, tb, otherPID)
}

// TestExitInInitNotLoaded publishes a build whose init calls os.Exit(3):
// it is not loaded, the error names the status and the child's stderr, and
// the other child keeps running.
func TestExitInInitNotLoaded(t *testing.T) {
	bad := buildChildID(t, "exits", "v1", "exit-in-init")
	tb, mw, _, otherPID, dir := twoChildrenIn(t, hot_loader_process.TestOptions{}, "{name: other}")
	path := publish(t, bad, dir, "exits-v1"+hot_manifest.ProcessSuffix, time.Now())
	rec := mw.waitState(t, path, hot_manifest.StateFailed)
	for _, want := range []string{"exited before the handshake", "exit status 3", "fixture: exiting in init"} {
		if !strings.Contains(rec.Error, want) {
			t.Errorf("error %q does not say %q", rec.Error, want)
		}
	}
	tb.logs.WaitLine(t, waitTimeout, "level=error", "child executable not loaded", "exit status 3")
	assertRunning(t, tb, otherPID)
}

// TestHandshakeHangKilled publishes a build that never answers the
// handshake: it is killed after the handshake timeout and not loaded.
func TestHandshakeHangKilled(t *testing.T) {
	hang := buildChild(t, "v1", "hang")
	dir := t.TempDir()
	path := publish(t, hang, dir, "hang-v1"+hot_manifest.ProcessSuffix, time.Now())
	tb := newTestBus(t, hot_loader_process.TestOptions{HandshakeTimeout: time.Second})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "")
	rec := mw.waitState(t, path, hot_manifest.StateFailed)
	if !strings.Contains(rec.Error, "no handshake within 1s") || !strings.Contains(rec.Error, "the process was killed") {
		t.Errorf("error: %q, want no handshake within 1s, killed", rec.Error)
	}
	if pids := testutil.ChildPIDs(); len(pids) != 0 {
		t.Errorf("child processes left: %v", pids)
	}
}

// TestSecurityRefusals: a world-writable executable and a symlink out of
// the dir are refused, as by the filesystem loader, and never run.
func TestSecurityRefusals(t *testing.T) {
	v1 := buildChild(t, "v1", "")
	dir := t.TempDir()
	writable := publish(t, v1, dir, "writable"+hot_manifest.ProcessSuffix, time.Now())
	if err := os.Chmod(writable, 0o777); err != nil {
		t.Fatal(err)
	}
	outside := publish(t, v1, t.TempDir(), "outside"+hot_manifest.ProcessSuffix, time.Now())
	link := filepath.Join(dir, "link"+hot_manifest.ProcessSuffix)
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	tb := newTestBus(t, hot_loader_process.TestOptions{})
	mw := tb.watchManifest(t, dir)
	tb.startLoader(t, dir, "")
	if rec := mw.waitState(t, writable, hot_manifest.StateFailed); !strings.Contains(rec.Error, "writable by group or others") {
		t.Errorf("world-writable: %q", rec.Error)
	}
	if rec := mw.waitState(t, link, hot_manifest.StateFailed); !strings.Contains(rec.Error, "outside the plugins dir") {
		t.Errorf("symlink out: %q", rec.Error)
	}
	if pids := testutil.ChildPIDs(); len(pids) != 0 {
		t.Errorf("child processes started: %v", pids)
	}
}

// TestUnansweringChildKilled stops the child with SIGSTOP: it no longer
// answers the health check, so the loader kills it after the ping timeout
// and starts it again; the manifest's last exit says why.
func TestUnansweringChildKilled(t *testing.T) {
	o := fastRestarts
	// The timeout leaves a loaded machine room: a child that answers late
	// but answers must not be killed before the test stops it.
	o.PingInterval, o.PingTimeout = 100*time.Millisecond, 2*time.Second
	tb, mw, path, otherPID := twoChildren(t, o, "{name: frozen}")
	rec := mw.wait(t, "a running child", path, func(p hot_manifest.Plugin) bool { return p.PID != 0 })
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=frozen", "pid="+strconv.Itoa(rec.PID))
	if err := syscall.Kill(rec.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	tb.logs.WaitLine(t, waitTimeout, "level=error", "stopped answering (no health check answer within 2s), killed by the loader", "pid="+strconv.Itoa(rec.PID))
	again := mw.wait(t, "the restart", path, func(p hot_manifest.Plugin) bool { return p.Restarts == 1 && p.PID != 0 })
	if !strings.Contains(again.LastExit, "stopped answering") || !strings.Contains(again.LastExit, "signal: killed") {
		t.Errorf("last exit: %q, want stopped answering, killed", again.LastExit)
	}
	tb.logs.WaitLine(t, waitTimeout, "fixture running", "fixture-name=frozen", "pid="+strconv.Itoa(again.PID))
	assertRunning(t, tb, otherPID)
}
