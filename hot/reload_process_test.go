package hot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// repoRoot is the hotbus module root, relative to this package.
const repoRoot = ".."

// TestLiveReloadProcessMode is TestLiveReload in process mode: the
// compiler builds the counter package into a child executable (target:
// process) and the process loader runs it in a child process. Each edit
// runs as new code in a new child, with the config carried over; the old
// controller returns from Execute before the new one starts, and the old
// child is gone afterwards. A compile error leaves the running child
// alone, and the next fix loads. Then an edit of hot/plugin, a package
// the host links too (in-process mode refuses such an edit), runs in the
// next child.
func TestLiveReloadProcessMode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds child executables")
	}
	testutil.DownloadModules(t, repoRoot)
	tmp := isolateTempDir(t)
	// Runs after the host stopped (cleanups run last first).
	t.Cleanup(func() { assertNothingLeft(t, tmp) })
	src := hotbusCopy(t)
	mod := processFixture(t, src)
	source := filepath.Join(mod, "counter", "controller.go")

	hook := newProcessHook()
	startProcessHost(t, mod, t.TempDir(), "e2e", 42, testutil.LogWriter(t), hook)
	cur := hook.expectStart(t, 1, "e2e", 42, "ControllerBusHotPlugin")

	// An editor that saves in place.
	setGeneration(t, source, 2, os.WriteFile)
	cur = hook.expectReload(t, cur, 2, "ControllerBusHotPlugin")

	// A compile error: the error names the user's file, generation 2 runs
	// on in the same child.
	breakSource(t, source)
	hook.expectCompileError(t, filepath.Join("counter", "controller.go"))
	if testutil.ProcessesVisible() && !testutil.Alive(cur.pid) {
		t.Fatalf("the child %d of generation 2 is gone after a compile error", cur.pid)
	}

	// An editor that saves by writing a temporary file and renaming it.
	setGeneration(t, source, 3, writeRename)
	cur = hook.expectReload(t, cur, 3, "ControllerBusHotPlugin")
	setGeneration(t, source, 4, writeRename)
	cur = hook.expectReload(t, cur, 4, "ControllerBusHotPlugin")

	// A package the host links too: its edit runs in the next child.
	pluginGo := filepath.Join(src, "hot", "plugin", "plugin.go")
	data, err := os.ReadFile(pluginGo)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte(`const PluginSymbol = "ControllerBusHotPlugin"`), []byte(`const PluginSymbol = "EditedHotPlugin"`), 1)
	if bytes.Equal(edited, data) {
		t.Fatalf("%s declares PluginSymbol differently: update the test", pluginGo)
	}
	if err := writeRename(pluginGo, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	cur = hook.expectReload(t, cur, 4, "EditedHotPlugin")

	// One info line per reload, with the time of each step.
	for range 4 {
		hook.expectReloadLine(t)
	}
	if pids := testutil.ChildPIDs(); testutil.ProcessesVisible() && (len(pids) != 1 || pids[0] != cur.pid) {
		t.Errorf("child processes %v, want only the running child %d", pids, cur.pid)
	}
}

// isolateTempDir points TMPDIR at a temp dir of the test, so that what
// the compiler and the loader create there is seen (and removed).
func isolateTempDir(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

// assertNothingLeft fails if a child process or a file in tmp is left.
// Call it from a cleanup registered after the host started: it runs after
// the host stopped.
func assertNothingLeft(t *testing.T, tmp string) {
	t.Helper()
	for _, pid := range testutil.ChildPIDs() {
		t.Errorf("child process %d left running after the host stopped", pid)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in TMPDIR after the host stopped: %v", names)
	}
}

// hotbusCopy copies what a child executable links of hotbus (go.mod,
// go.sum, hot/plugin and hot/ipc without tests) into a temp dir, which
// the fixture's go.mod replaces github.com/hotbus/hotbus with, so that a
// test can edit a package the host links.
func hotbusCopy(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyTo(t, filepath.Join(repoRoot, f), filepath.Join(dst, f))
	}
	for _, pkg := range []string{"plugin", "ipc"} {
		ents, err := os.ReadDir(filepath.Join(repoRoot, "hot", pkg))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				copyTo(t, filepath.Join(repoRoot, "hot", pkg, e.Name()), filepath.Join(dst, "hot", pkg, e.Name()))
			}
		}
	}
	return dst
}

// copyTo copies the file src to dst, making dst's directory.
func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// processFixture copies testdata/reload for the process target: its
// go.mod requires github.com/hotbus/hotbus (the child's main links
// hot/ipc), replaced by hotbusSrc, and its go.sum has hotbus's sums too.
// The counter also logs hot_plugin.PluginSymbol (counter-symbol), the
// wall-clock time of each event (counter-at), and "exit" when Execute
// returns: in another process, that is what says the old controller
// stopped before the new one started.
func processFixture(t *testing.T, hotbusSrc string) string {
	t.Helper()
	mod := copyFixture(t, "testdata/reload")
	abs, err := filepath.Abs(hotbusSrc)
	if err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(mod, "go.mod"), fmt.Sprintf(
		"\nrequire github.com/hotbus/hotbus v0.0.0-00010101000000-000000000000\n\nreplace github.com/hotbus/hotbus => %s\n", filepath.ToSlash(abs)))
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(mod, "go.sum"), string(sum))

	src := filepath.Join(mod, "counter", "controller.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, r := range [][2]string{
		{"\t\"errors\"\n", "\t\"errors\"\n\t\"time\"\n"},
		{"\t\"github.com/sirupsen/logrus\"\n", "\thot_plugin \"github.com/hotbus/hotbus/hot/plugin\"\n\t\"github.com/sirupsen/logrus\"\n"},
		{"\t<-ctx.Done()\n\treturn nil\n", "\t<-ctx.Done()\n\tc.log(\"exit\")\n\treturn nil\n"},
		{"\t\t\"counter-count\":      c.conf.GetCount(),\n", "\t\t\"counter-count\":      c.conf.GetCount(),\n\t\t\"counter-symbol\":     hot_plugin.PluginSymbol,\n\t\t\"counter-at\":         time.Now().Format(time.RFC3339Nano),\n"},
	} {
		if !strings.Contains(text, r[0]) {
			t.Fatalf("%s has no %q to change: update the test", src, r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return mod
}

// appendFile appends text to the file path.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// startProcessHost is startHost in process mode: the process loader and
// the compiler with target process, both watching, and the counter
// controller configured with name and count.
func startProcessHost(t *testing.T, mod, plugins, name string, count int, out io.Writer, hook logrus.Hook) (b bus.Bus, cancel context.CancelFunc) {
	t.Helper()
	le := testutil.Logger(out, hook)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testutil.StopHost(t, b, cancel, step) })
	hot.AddFactories(b, sr)
	release, err := hot.ApplyConfigSetYAML(ctx, le, b, fmt.Appendf(nil, `
loader:
  id: hotbus/loader/process
  config: {dir: %q, watch: true}
compiler:
  id: hotbus/compiler
  config:
    workDir: %q
    packages: [./counter]
    outputDir: %q
    watch: true
    pluginBinaryId: reload
    pluginBinaryVersion: "{buildHash}"
    target: process
counter:
  id: example/reload/counter
  config: {name: %s, count: %d}
`, plugins, mod, plugins, name, count))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return b, cancel
}

// processEvent is a counter event logged in a child: its fields arrive
// through the child's JSON log, numbers as float64, tagged with the
// child's PID by the host.
type processEvent struct {
	counterEvent
	pid    int
	symbol string
	at     time.Time
}

// processHook turns the log of a process-mode host into events: the
// counter's (from the children), compile errors, "reloaded" lines and
// the children the loader stopped.
type processHook struct {
	events  chan processEvent
	compile chan string
	reloads chan logrus.Fields

	mu sync.Mutex
	// stopped holds the PIDs of the children stopped; changed is closed
	// and replaced when one is added.
	stopped map[int]bool
	changed chan struct{}
}

func newProcessHook() *processHook {
	return &processHook{
		events:  make(chan processEvent, 1024),
		compile: make(chan string, 64),
		reloads: make(chan logrus.Fields, 1024),
		stopped: map[int]bool{},
		changed: make(chan struct{}),
	}
}

// Levels returns every level.
func (h *processHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire forwards counter events, compile errors, reload lines and stopped
// children.
func (h *processHook) Fire(e *logrus.Entry) error {
	if ev, ok := e.Data["counter-event"].(string); ok {
		pe := processEvent{
			counterEvent: counterEvent{
				event:      ev,
				generation: number(e.Data["counter-generation"]),
				count:      uint32(number(e.Data["counter-count"])),
			},
			pid: number(e.Data["pid"]),
		}
		pe.name, _ = e.Data["counter-name"].(string)
		pe.symbol, _ = e.Data["counter-symbol"].(string)
		if at, ok := e.Data["counter-at"].(string); ok {
			pe.at, _ = time.Parse(time.RFC3339Nano, at)
		}
		h.events <- pe
		return nil
	}
	switch {
	case e.Level <= logrus.ErrorLevel && strings.Contains(e.Message, "compile failed"):
		select {
		case h.compile <- e.Message:
		default:
		}
	case e.Level == logrus.InfoLevel && strings.HasPrefix(e.Message, "reloaded"):
		select {
		case h.reloads <- e.Data:
		default:
		}
	case e.Message == "child stopped":
		h.mu.Lock()
		h.stopped[number(e.Data["pid"])] = true
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
	}
	return nil
}

// number returns a log field's number: an int in the host, a float64
// when it came through a child's JSON log.
func number(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case uint32:
		return int(n)
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}

// next waits for the next counter event other than a "stop" (the
// controller's Close, which a child may log before or after the next
// child's start), failing on a compile error.
func (h *processHook) next(t *testing.T, what string, deadline <-chan time.Time) processEvent {
	t.Helper()
	for {
		select {
		case ev := <-h.events:
			if ev.event == "stop" {
				continue
			}
			return ev
		case msg := <-h.compile:
			t.Fatalf("compile failed while waiting for %s:\n%s", what, msg)
		case <-deadline:
			t.Fatalf("no %s within %s", what, step)
		}
	}
}

// expectStart waits for the counter to start with generation gen, name,
// count and symbol, in a child, and returns the event.
func (h *processHook) expectStart(t *testing.T, gen int, name string, count uint32, symbol string) processEvent {
	t.Helper()
	ev := h.next(t, fmt.Sprintf("start of generation %d", gen), time.After(step))
	want := counterEvent{"start", gen, name, count}
	if ev.counterEvent != want || ev.symbol != symbol {
		t.Fatalf("counter event %+v (symbol %q), want %+v (symbol %q)", ev.counterEvent, ev.symbol, want, symbol)
	}
	if ev.pid <= 0 || (testutil.ProcessesVisible() && !testutil.Alive(ev.pid)) {
		t.Fatalf("the counter started in child %d, which is not running", ev.pid)
	}
	return ev
}

// expectReload waits for a reload from the running counter old to
// generation gen with symbol: the old controller returns from Execute in
// the old child before the new one starts in a new child with the same
// config; then the old child is stopped and gone. It returns the new
// start.
func (h *processHook) expectReload(t *testing.T, old processEvent, gen int, symbol string) processEvent {
	t.Helper()
	deadline := time.After(step)
	wantExit := old.counterEvent
	wantExit.event = "exit"
	wantStart := counterEvent{"start", gen, old.name, old.count}
	// The two children's logs reach the host through two pipes: the
	// events may arrive in either order, their clocks say which came
	// first.
	var exit, start *processEvent
	for exit == nil || start == nil {
		ev := h.next(t, fmt.Sprintf("reload from generation %d to %d", old.generation, gen), deadline)
		switch {
		case exit == nil && ev.counterEvent == wantExit && ev.pid == old.pid:
			exit = &ev
		case start == nil && ev.counterEvent == wantStart && ev.symbol == symbol:
			start = &ev
		default:
			t.Fatalf("counter event %+v (symbol %q) in child %d, want %+v in child %d and %+v (symbol %q) in a new child",
				ev.counterEvent, ev.symbol, ev.pid, wantExit, old.pid, wantStart, symbol)
		}
	}
	if start.pid == old.pid || start.pid <= 0 {
		t.Fatalf("generation %d started in child %d, want a new child (the old one is %d)", gen, start.pid, old.pid)
	}
	if !exit.at.Before(start.at) {
		t.Errorf("the old controller returned from Execute at %v, after the new one started at %v", exit.at, start.at)
	}
	h.waitStopped(t, old.pid, deadline)
	if testutil.Alive(old.pid) {
		t.Errorf("the old child %d is still running after the loader stopped it", old.pid)
	}
	return *start
}

// waitStopped waits until the loader logged that it stopped child pid.
func (h *processHook) waitStopped(t *testing.T, pid int, deadline <-chan time.Time) {
	t.Helper()
	for {
		h.mu.Lock()
		done, ch := h.stopped[pid], h.changed
		h.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the old child %d was not stopped within %s", pid, step)
		}
	}
}

// expectCompileError waits for a compile error that names file, with no
// counter event (but a late "stop") before it.
func (h *processHook) expectCompileError(t *testing.T, file string) {
	t.Helper()
	deadline := time.After(step)
	for {
		select {
		case msg := <-h.compile:
			if !strings.Contains(msg, file) {
				t.Fatalf("compile error does not name %s:\n%s", file, msg)
			}
			if strings.Contains(msg, "hotbus-") || strings.Contains(msg, "/overlay/") {
				t.Errorf("compile error names overlay paths, want the user's:\n%s", msg)
			}
			return
		case ev := <-h.events:
			if ev.event == "stop" {
				continue
			}
			t.Fatalf("counter event %+v while waiting for the compile error: the running child must stay", ev)
		case <-deadline:
			t.Fatalf("no compile error within %s", step)
		}
	}
}

// expectReloadLine waits for the loader's log line of a reload and checks
// that it has the time of every step.
func (h *processHook) expectReloadLine(t *testing.T) {
	t.Helper()
	select {
	case fields := <-h.reloads:
		for _, k := range []string{"analysis", "codegen", "build", "publish", "load", "swap", "total"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("reload log line has no %q field: %v", k, fields)
			}
		}
	case <-time.After(step):
		t.Fatalf("no reload log line within %s", step)
	}
}
