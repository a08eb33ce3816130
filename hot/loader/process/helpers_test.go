package hot_loader_process_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/hotbus/hotbus/hot"
	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// waitTimeout bounds every wait for a signal in these tests.
const waitTimeout = 60 * time.Second

// buildChild builds the fixture child (testdata/child) with the binary
// version and misbehaviour mode into a temp dir, and returns its path.
func buildChild(t *testing.T, version, mode string) string {
	t.Helper()
	return buildChildID(t, "process-fixture", version, mode)
}

// buildChildID is buildChild with another binary ID.
func buildChildID(t *testing.T, binaryID, version, mode string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds child executables")
	}
	out := filepath.Join(t.TempDir(), "child"+hot_manifest.ProcessSuffix)
	cmd := exec.Command("go", "build", "-o", out,
		"-ldflags", fmt.Sprintf("-X main.binaryID=%s -X main.version=%s -X main.mode=%s", binaryID, version, mode),
		"./testdata/child")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the fixture child: %v\n%s", err, b)
	}
	return out
}

// publish copies a built child to dir/name atomically, mode 0755, dated
// at: copied beside, dated, then renamed into place, as the compiler
// publishes, so that a scan never sees it undated.
func publish(t *testing.T, built, dir, name string, at time.Time) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := atomicfile.Copy(tmp, built, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, at, at); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// testBus is a host bus with the process loader factory registered.
type testBus struct {
	*testutil.Bus
	logs *testutil.LogBuffer
	le   *logrus.Entry
	// signal sees the same log, and says when it grows.
	signal *signalLog
}

// signalLog is the log text and a channel closed when it grows.
type signalLog struct {
	mu      sync.Mutex
	text    strings.Builder
	changed chan struct{}
}

// Write appends p and wakes the waiters.
func (s *signalLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.text.Write(p)
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return len(p), nil
}

// get returns the text and a channel closed when it grows.
func (s *signalLog) get() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.text.String(), s.changed
}

// newTestBus starts a host bus whose process loaders use o; it stops at
// the end of the test, after its loaders exited, and then no child
// process and no temp dir of the loader may be left.
func newTestBus(t *testing.T, o hot_loader_process.TestOptions) *testBus {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	logs := &testutil.LogBuffer{}
	t.Cleanup(func() {
		// Runs after the bus stopped (cleanups run last first).
		assertNoChildren(t)
		if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
			t.Errorf("left in TMPDIR: %v", entries)
		}
		if t.Failed() {
			t.Logf("bus log:\n%s", logs.String())
		}
	})
	sig := &signalLog{}
	le := testutil.Logger(io.MultiWriter(logs, sig))
	b := testutil.NewBus(t, le, waitTimeout, func(b bus.Bus) controller.Factory {
		return hot_loader_process.NewTestFactory(b, o)
	})
	return &testBus{Bus: b, logs: logs, le: le, signal: sig}
}

// apply applies a YAML config set with hot.ApplyConfigSetYAML until the
// end of the test.
func (tb *testBus) apply(t *testing.T, yaml string) {
	t.Helper()
	release, err := hot.ApplyConfigSetYAML(tb.Ctx, tb.le, tb.Bus.Bus, []byte(yaml))
	if err != nil {
		t.Fatalf("apply config set: %v\n%s", err, yaml)
	}
	t.Cleanup(release)
}

// startLoader applies a config set with a watching process loader of dir
// and, unless fixture is empty, a fixture controller with that config.
func (tb *testBus) startLoader(t *testing.T, dir, fixture string) {
	t.Helper()
	tb.apply(t, fmt.Sprintf(`
loader:
  id: hotbus/loader/process
  config:
    dir: %q
    watch: true
    debounceDur: 20ms
`, dir))
	if fixture != "" {
		tb.apply(t, "fixture:\n  id: hotbus/ipc/fixture\n  config: "+fixture+"\n")
	}
}

// manifests follows the WatchManifest values of the process loader.
type manifests struct {
	mu      sync.Mutex
	cur     *hot_manifest.Manifest
	changed chan struct{}
}

// watchManifest follows the process loader's manifest of dir until the
// end of the test.
func (tb *testBus) watchManifest(t *testing.T, dir string) *manifests {
	t.Helper()
	m := &manifests{changed: make(chan struct{})}
	_, ref, err := tb.Bus.Bus.AddDirective(hot_manifest.NewWatchLoaderManifest(hot_loader_process.ControllerID, dir),
		bus.NewCallbackHandler(func(v directive.AttachedValue) {
			if mv, ok := v.GetValue().(hot_manifest.WatchManifestValue); ok {
				m.mu.Lock()
				m.cur = mv
				close(m.changed)
				m.changed = make(chan struct{})
				m.mu.Unlock()
			}
		}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Release)
	return m
}

// wait waits until the record of path meets cond, and returns it.
func (m *manifests) wait(t *testing.T, what, path string, cond func(p hot_manifest.Plugin) bool) hot_manifest.Plugin {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		m.mu.Lock()
		cur, ch := m.cur, m.changed
		m.mu.Unlock()
		if cur != nil {
			if p := cur.Find(path); p != nil && cond(*p) {
				return *p
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("timed out waiting for %s of %s; manifest: %+v", what, path, cur)
		}
	}
}

// waitState waits until the record of path has state.
func (m *manifests) waitState(t *testing.T, path string, state hot_manifest.State) hot_manifest.Plugin {
	t.Helper()
	return m.wait(t, "state "+string(state), path, func(p hot_manifest.Plugin) bool { return p.State == state })
}

// assertNoChildren fails if this process has a child process left (Linux:
// reads /proc; nothing to read elsewhere).
func assertNoChildren(t *testing.T) {
	t.Helper()
	for _, pid := range testutil.ChildPIDs() {
		t.Errorf("child process %d left running", pid)
	}
}
