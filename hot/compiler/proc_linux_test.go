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

// toolSignal writes, in dir/bin, a go command wrapper that builds with
// -toolexec: a script that signals the FIFO it returns when the first
// tool of the build starts working (not for a -V=full query), runs the
// tool, then runs after (a shell command; "" for none).
func toolSignal(t *testing.T, dir, realGo, after string) (bin, fifo string) {
	return toolSignalIn(t, dir, realGo, "build", after)
}

// toolSignalIn is toolSignal for the go command's subcommand sub ("build",
// "list": a go list -export compiles too).
func toolSignalIn(t *testing.T, dir, realGo, sub, after string) (bin, fifo string) {
	t.Helper()
	bin = filepath.Join(dir, "bin")
	fifo = filepath.Join(dir, "tool-started")
	toolexec := filepath.Join(bin, "toolexec")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"go": "#!/bin/sh\nif [ \"$1\" = " + sub + " ]; then\n\tshift\n\texec " + realGo + " " + sub + " -toolexec=" + toolexec + " \"$@\"\nfi\nexec " + realGo + " \"$@\"\n",
		// mkdir is atomic: only the first tool signals.
		"toolexec": "#!/bin/sh\ncase \"$2\" in -V=full) exec \"$@\";; esac\nif mkdir " + fifo + ".sent 2>/dev/null; then echo \"$1\" > " + fifo + "; fi\n\"$@\"\n" + after + "\n",
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin, fifo
}

// awaitTool returns a channel that receives the first tool a build with
// toolSignal's wrapper runs.
func awaitTool(t *testing.T, fifo string) <-chan string {
	t.Helper()
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
	return started
}

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
	bin, fifo := toolSignal(t, dir, realGo, "sleep 120")
	plugins := filepath.Join(dir, "plugins")
	codegen := filepath.Join(dir, "codegen")
	err = buildCanceledAtTool(t, dir, bin, fifo, "the build")
	var berr *hot_compiler.BuildError
	if err == nil || errors.As(err, &berr) || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("Build = %v, want a cancellation", err)
	}
	assertProcessesGone(t, dir)
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

// TestCanceledAnalysisLeavesNothingInTMPDIR cancels a build while its
// analysis's go list compiles the imports' export data: the go command
// and the compiles it started are killed (its process group), none runs
// on, and the go command can't remove its $WORK, which is therefore in a dir of
// hotbus's in the codegen dir (removed with the analysis), not a
// go-build* dir left in the OS temp dir.
func TestCanceledAnalysisLeavesNothingInTMPDIR(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// A cold build cache: the analysis compiles.
	t.Setenv("GOCACHE", t.TempDir())
	dir := expandFixture(t, "fixture")
	bin, fifo := toolSignalIn(t, dir, realGo, "list", "sleep 120")
	codegen := filepath.Join(dir, "codegen")
	if err := buildCanceledAtTool(t, dir, bin, fifo, "the analysis"); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("Build = %v, want a cancellation", err)
	}
	assertProcessesGone(t, dir)
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("the canceled analysis left %v in TMPDIR", ents)
	}
	ents, _ := os.ReadDir(codegen)
	for _, e := range ents {
		t.Errorf("the canceled analysis left %s in the codegen dir", e.Name())
	}
}

// buildCanceledAtTool builds the fixture in dir (plugins and codegen
// dirs inside it) with the go command wrapper of toolSignal in bin,
// cancels the build as soon as the first tool starts (what names the step
// that runs it, for the log), and returns what Build returned.
func buildCanceledAtTool(t *testing.T, dir, bin, fifo, what string) error {
	t.Helper()
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
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
	select {
	case tool := <-awaitTool(t, fifo):
		t.Logf("%s runs %s: canceling it", what, tool)
	case err := <-done:
		t.Fatalf("%s ended before running a tool: %v", what, err)
	case <-time.After(5 * time.Minute):
		t.Fatal("no tool started")
	}
	cancel()
	return <-done
}

// assertProcessesGone fails the test for each process whose command line
// mentions dir once the kernel had time to tear down the killed ones, and
// kills it. A process that escaped the kill would stay for two minutes (the
// toolexec script's sleep); processes of others can't be waited on: it
// polls /proc, with a deadline far below those two minutes.
func assertProcessesGone(t *testing.T, dir string) {
	t.Helper()
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
	const rnd16 = "0123456789abcdef"
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
	staleTree := "build-" + dead + "-" + rnd16
	// A killed analysis's go command temp dir (GOTMPDIR) is swept alike.
	staleGoTmp := "gotmp-" + dead + "-" + rnd16
	keptTrees := []string{
		"build-" + live + "-" + rnd16,              // a live compiler's
		"build-" + dead + "-" + "fedcba9876543210", // no marker: not hotbus's
		"build-" + dead + "-" + rnd16 + "x",
		"gotmp-" + live + "-" + rnd16,
	}
	for _, n := range append([]string{staleTree, staleGoTmp}, keptTrees...) {
		writeUserFile(t, filepath.Join(codegen, n), "plugin/go.mod")
	}
	for _, n := range []string{staleTree, staleGoTmp, keptTrees[0], keptTrees[2], keptTrees[3]} {
		writeUserFile(t, filepath.Join(codegen, n), ".hotbus-owned")
	}
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
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
	for _, n := range []string{staleTree, staleGoTmp} {
		if _, err := os.Stat(filepath.Join(codegen, n)); err == nil {
			t.Errorf("the stale dir %s was kept", n)
		}
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

// killedChildEnv names the fixture dir of the child of
// TestKilledCompilerLeavesNoGoCommand: this test binary again, building
// until it is killed.
const killedChildEnv = "HOTBUS_TEST_KILLED_COMPILER_DIR"

// TestKilledCompilerLeavesNoGoCommand runs a compiler in a child process
// (this test binary again), kills it with SIGKILL while its go build runs
// a tool, and checks that the go command dies with it (on Linux,
// Pdeathsig) instead of building on and writing into the plugins dir;
// the tools it started end on their own; then a new compiler removes the
// build tree the killed one left, and the plugins dir holds nothing.
func TestKilledCompilerLeavesNoGoCommand(t *testing.T) {
	if dir := os.Getenv(killedChildEnv); dir != "" {
		c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
			WorkDir:    filepath.Join(dir, "app"),
			Packages:   []string{"./ctrl"},
			OutputDir:  filepath.Join(dir, "plugins"),
			CodegenDir: filepath.Join(dir, "codegen"),
			BinaryID:   "fixture",
			GoCommand:  filepath.Join(dir, "bin", "go"),
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Build(context.Background())
		t.Fatalf("the build ended before the child was killed: %v", err)
	}
	if testing.Short() {
		t.Skip("runs go build")
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := expandFixture(t, "fixture")
	// Each tool takes 5 s more: a go command left alive waits for it.
	bin, fifo := toolSignal(t, dir, realGo, "sleep 5")
	started := awaitTool(t, fifo)
	child := exec.Command(os.Args[0], "-test.run=^TestKilledCompilerLeavesNoGoCommand$", "-test.count=1")
	child.Env = append(os.Environ(), killedChildEnv+"="+dir)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = child.Wait()
		close(exited)
	}()
	select {
	case tool := <-started:
		t.Logf("the child's build runs %s: killing the child", tool)
	case <-exited:
		t.Fatalf("the child ended before its build ran a tool:\n%s", out.String())
	case <-time.After(5 * time.Minute):
		t.Fatal("no tool started")
	}
	goBuilds := func() []string {
		var cmds []string
		for _, p := range processesMentioning(t, "-toolexec="+filepath.Join(bin, "toolexec")) {
			if strings.Contains(p, ": "+realGo+" build ") {
				cmds = append(cmds, p)
			}
		}
		return cmds
	}
	if len(goBuilds()) == 0 {
		t.Fatal("no go build process found before the kill")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	// As in TestCanceledBuildLeavesNoProcessAndNoFile, poll /proc. A go
	// command that outlived its parent would wait for its tool for 5 s,
	// well past the deadline.
	var left []string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if left = goBuilds(); len(left) == 0 {
			break
		}
	}
	for _, p := range left {
		t.Errorf("the go command outlived the killed compiler: %s", p)
		if pid, err := strconv.Atoi(strings.SplitN(p, ":", 2)[0]); err == nil {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	// The tools it started finish their step and exit.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if left = processesMentioning(t, dir); len(left) == 0 {
			break
		}
	}
	if len(left) != 0 {
		t.Fatalf("the tools of the killed build still run a minute later: %v", left)
	}
	if trees, _ := filepath.Glob(filepath.Join(dir, "codegen", "build-*")); len(trees) != 1 {
		t.Errorf("the killed compiler left build trees %v, want one", trees)
	}
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./nothing-here"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Build(context.Background()) // fails (no such package) after the sweep
	if trees, _ := filepath.Glob(filepath.Join(dir, "codegen", "build-*")); len(trees) != 0 {
		t.Errorf("the next compiler kept the killed one's build trees %v", trees)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "plugins")); len(ents) != 0 {
		t.Errorf("the plugins dir holds %v", ents)
	}
}
