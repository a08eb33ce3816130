package hot_compiler_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// processesMentioning returns the live processes (zombies excluded) whose
// command line contains s, as "pid: command line".
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(s)) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The state follows the command name in parentheses.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
			continue
		}
		out = append(out, e.Name()+": "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	}
	return out
}

// TestCanceledBuildLeavesNoProcessAndNoFile cancels a build while its go
// command runs a tool (a go command wrapper adds -toolexec with a script
// that signals the test through a FIFO, runs the tool and then stays, as
// a slow tool would): when Build returns, no process of the build is
// left, no temporary file is in the plugins dir and no build tree in the
// codegen dir.
func TestCanceledBuildLeavesNoProcessAndNoFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := expandFixture(t, "fixture")
	bin := filepath.Join(dir, "bin")
	fifo := filepath.Join(dir, "tool-started")
	toolexec := filepath.Join(bin, "toolexec")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"go":       "#!/bin/sh\nif [ \"$1\" = build ]; then\n\tshift\n\texec " + realGo + " build -toolexec=" + toolexec + " \"$@\"\nfi\nexec " + realGo + " \"$@\"\n",
		"toolexec": "#!/bin/sh\ncase \"$2\" in -V=full) exec \"$@\";; esac\necho \"$1\" > " + fifo + "\n\"$@\"\nsleep 120\n",
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	plugins := filepath.Join(dir, "plugins")
	codegen := filepath.Join(dir, "codegen")
	c, err := hot_compiler.NewCompiler(hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  plugins,
		CodegenDir: codegen,
		BinaryID:   "fixture",
		GoCommand:  filepath.Join(bin, "go"),
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Build(ctx)
		done <- err
	}()
	started := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until a tool writes
		if err != nil {
			return
		}
		defer f.Close()
		line, _ := bufio.NewReader(f).ReadString('\n')
		started <- strings.TrimSpace(line)
	}()
	t.Cleanup(func() {
		// Unblock the reader if no tool ever wrote.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
	})
	select {
	case tool := <-started:
		t.Logf("the build runs %s: canceling it", tool)
	case err := <-done:
		t.Fatalf("the build ended before running a tool: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("no tool started")
	}
	cancel()
	err = <-done
	var berr *hot_compiler.BuildError
	if err == nil || errors.As(err, &berr) || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("Build = %v, want a cancellation", err)
	}
	// The killed processes are gone once the kernel has torn them down; a
	// process that escaped the kill would stay for two minutes (the
	// toolexec script's sleep). Processes of others can't be waited on:
	// poll /proc, with a deadline far below those two minutes.
	var left []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if left = processesMentioning(t, dir); len(left) == 0 {
			break
		}
	}
	for _, p := range left {
		t.Errorf("a process of the canceled build runs on: %s", p)
		if pid, err := strconv.Atoi(strings.SplitN(p, ":", 2)[0]); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if ents, _ := os.ReadDir(plugins); len(ents) != 0 {
		t.Errorf("the canceled build left %v in the plugins dir", ents)
	}
	ents, _ := os.ReadDir(codegen)
	for _, e := range ents {
		if e.Name() != "units" {
			t.Errorf("the canceled build left %s in the codegen dir", e.Name())
		}
	}
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(cmd.Process.Pid)
}

// TestWhatAKilledBuildLeftIsRemovedAtStart puts what a compiler killed
// mid-build leaves (a temporary plugin file and a build tree, with the pid
// of a process that is gone) beside look-alikes that are not provably
// stale: the next compiler removes the first at its start and keeps the
// others.
func TestWhatAKilledBuildLeftIsRemovedAtStart(t *testing.T) {
	dir := expandFixture(t, "fixture")
	plugins := filepath.Join(dir, "plugins")
	codegen := filepath.Join(dir, "codegen")
	dead, live := deadPid(t), strconv.Itoa(os.Getpid())
	const rnd16, rnd12 = "0123456789abcdef", "0123456789ab"
	staleTmp := ".tmp-fixture-fedcba9876543210.cbus.so-" + dead + "-" + rnd16
	keptFiles := []string{
		".tmp-fixture-fedcba9876543210.cbus.so-" + live + "-" + rnd16, // a live writer's
		".tmp-fixture-fedcba9876543210.cbus.so-" + dead + "-" + rnd16 + "-mine",
		".tmp-fixture-fedcba9876543210.cbus.so-" + dead,
		"notes.tmp-" + dead + "-" + rnd16,
	}
	for _, n := range append([]string{staleTmp}, keptFiles...) {
		writeUserFile(t, plugins, n)
	}
	staleTree := "build-" + dead + "-" + rnd12
	keptTrees := []string{
		"build-" + live + "-" + rnd12,          // a live compiler's
		"build-" + dead + "-" + "fedcba987654", // no marker: not hotbus's
		"build-" + dead + "-" + rnd12 + "x",
	}
	for _, n := range append([]string{staleTree}, keptTrees...) {
		writeUserFile(t, filepath.Join(codegen, n), "plugin/go.mod")
	}
	for _, n := range []string{staleTree, keptTrees[0], keptTrees[2]} {
		writeUserFile(t, filepath.Join(codegen, n), ".hotbus-owned")
	}
	c, err := hot_compiler.NewCompiler(hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./nothing-here"},
		OutputDir:  plugins,
		CodegenDir: codegen,
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The build itself fails (no such package): the sweep comes first.
	_, err = c.Build(context.Background())
	t.Log(err)
	if _, err := os.Stat(filepath.Join(plugins, staleTmp)); err == nil {
		t.Errorf("the stale temporary file %s was kept", staleTmp)
	}
	if _, err := os.Stat(filepath.Join(codegen, staleTree)); err == nil {
		t.Errorf("the stale build tree %s was kept", staleTree)
	}
	for _, n := range keptFiles {
		if _, err := os.Stat(filepath.Join(plugins, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
	for _, n := range keptTrees {
		if _, err := os.Stat(filepath.Join(codegen, n, "plugin", "go.mod")); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
}
