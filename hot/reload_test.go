package hot_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// step bounds each wait for the next reload. A cold first plugin build on
// a fresh machine takes well over 10 s; later ones about a second.
const step = 4 * time.Minute

// counterEvent is what the fixture's counter controller logs.
type counterEvent struct {
	event      string // "start" or "stop"
	generation int
	name       string
	count      uint32
}

// TestLiveReload runs the whole loop in one process: a host bus from YAML
// with the loader and the compiler watching a temporary module; each edit
// of the controller's source runs as new code in the same process, the old
// controller stopped first, the config carried over. A compile error in
// between leaves the running version alone, and the next fix loads.
func TestLiveReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	plugins := t.TempDir()
	source := filepath.Join(mod, "counter", "controller.go")

	hook := newReloadHook()
	startHost(t, mod, plugins, "e2e", 42, testutil.LogWriter(t), hook)

	hook.expect(t, counterEvent{"start", 1, "e2e", 42})

	// An editor that saves in place.
	setGeneration(t, source, 2, os.WriteFile)
	hook.expect(t, counterEvent{"stop", 1, "e2e", 42})
	hook.expect(t, counterEvent{"start", 2, "e2e", 42})

	// A compile error: the error names the user's file, generation 2 runs on.
	breakSource(t, source)
	hook.expectCompileError(t, filepath.Join("counter", "controller.go"))

	// An editor that saves by writing a temporary file and renaming it.
	setGeneration(t, source, 3, writeRename)
	hook.expect(t, counterEvent{"stop", 2, "e2e", 42})
	hook.expect(t, counterEvent{"start", 3, "e2e", 42})

	setGeneration(t, source, 4, writeRename)
	hook.expect(t, counterEvent{"stop", 3, "e2e", 42})
	hook.expect(t, counterEvent{"start", 4, "e2e", 42})

	// One info line per reload, with the time of each step.
	for range 3 {
		hook.expectReloadLine(t)
	}
}

// TestFixAfterABrokenStart starts the host while the controller's source
// does not compile: the error is logged, and the fix, saved later, builds
// and runs, although no analysis had succeeded to say which files to
// watch.
func TestFixAfterABrokenStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	source := filepath.Join(mod, "counter", "controller.go")
	breakSource(t, source)
	// A generation of its own: no other test in this process loads it.
	const gen = 900001

	hook := newReloadHook()
	startHost(t, mod, t.TempDir(), "broken", 5, testutil.LogWriter(t), hook)
	hook.expectCompileError(t, filepath.Join("counter", "controller.go"))

	setGeneration(t, source, gen, writeRename)
	hook.expect(t, counterEvent{"start", gen, "broken", 5})
}

// generationRe matches the line the test rewrites.
var generationRe = regexp.MustCompile(`(?m)^const Generation = .*$`)

// setGeneration rewrites the Generation constant of the fixture source.
func setGeneration(t *testing.T, path string, gen int, write func(string, []byte, fs.FileMode) error) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = generationRe.ReplaceAll(src, fmt.Appendf(nil, "const Generation = %d", gen))
	if err := write(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// breakSource makes the fixture source fail to compile.
func breakSource(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = generationRe.ReplaceAll(src, []byte("const Generation = undefinedName"))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeRename saves as many editors do: a temporary file renamed over path.
func writeRename(path string, data []byte, perm fs.FileMode) error {
	tmp := path + ".swp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// copyFixture copies a fixture module into a temporary directory.
func copyFixture(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// reloadHook turns the fixture's log entries and the compiler's errors
// into events the test waits on.
type reloadHook struct {
	events  chan counterEvent
	compile chan string
	reloads chan logrus.Fields
}

func newReloadHook() *reloadHook {
	return &reloadHook{
		events:  make(chan counterEvent, 64),
		compile: make(chan string, 16),
		reloads: make(chan logrus.Fields, 16),
	}
}

// Levels returns every level.
func (h *reloadHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire forwards counter events and compile errors.
func (h *reloadHook) Fire(e *logrus.Entry) error {
	if ev, ok := e.Data["counter-event"].(string); ok {
		h.events <- counterEvent{
			event:      ev,
			generation: e.Data["counter-generation"].(int),
			name:       e.Data["counter-name"].(string),
			count:      e.Data["counter-count"].(uint32),
		}
		return nil
	}
	if e.Level <= logrus.ErrorLevel && strings.Contains(e.Message, "compile failed") {
		h.compile <- e.Message
	}
	if e.Level == logrus.InfoLevel && strings.HasPrefix(e.Message, "reloaded") {
		h.reloads <- e.Data
	}
	return nil
}

// expectReloadLine waits for the loader's log line of a reload and checks
// that it has the time of every step.
func (h *reloadHook) expectReloadLine(t *testing.T) {
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

// expect waits for the next counter event and checks it.
func (h *reloadHook) expect(t *testing.T, want counterEvent) {
	t.Helper()
	select {
	case got := <-h.events:
		if got != want {
			t.Fatalf("counter event = %+v, want %+v", got, want)
		}
	case msg := <-h.compile:
		t.Fatalf("compile failed while waiting for %+v:\n%s", want, msg)
	case <-time.After(step):
		t.Fatalf("no counter event within %s, want %+v", step, want)
	}
}

// expectCompileError waits for the compiler to report a compile error that
// names file, with no counter event before it.
func (h *reloadHook) expectCompileError(t *testing.T, file string) {
	t.Helper()
	select {
	case msg := <-h.compile:
		if !strings.Contains(msg, file) {
			t.Fatalf("compile error does not name %s:\n%s", file, msg)
		}
		if strings.Contains(msg, "hotbus-") || strings.Contains(msg, "/overlay/") {
			t.Errorf("compile error names overlay paths, want the user's:\n%s", msg)
		}
	case got := <-h.events:
		t.Fatalf("counter event %+v while waiting for the compile error: the running version must stay", got)
	case <-time.After(step):
		t.Fatalf("no compile error within %s", step)
	}
}
