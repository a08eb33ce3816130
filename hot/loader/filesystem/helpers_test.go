package hot_loader_filesystem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/configset"
	configset_json "github.com/aperturerobotics/controllerbus/controller/configset/json"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	"github.com/hotbus/hotbus/hot/loader/filesystem/testdata/probe"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
	"github.com/hotbus/hotbus/internal/hostinfo"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// testdataPkg is the import path of the test plugins' main packages.
const testdataPkg = "github.com/hotbus/hotbus/hot/loader/filesystem/testdata/plugins/"

// waitTimeout bounds every wait in these tests.
const waitTimeout = 60 * time.Second

// pluginCache is the directory built plugins are kept in for the whole
// test binary, made by TestMain.
var pluginCache string

// builds caches built plugins by their build arguments.
var builds sync.Map // string -> *pluginBuild

// buildSeq numbers the built files.
var buildSeq atomic.Int64

// pluginBuild is one plugin build, done once.
type pluginBuild struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hotbus-loader-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginCache = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// testBuildFlags returns the go build flags and environment that mirror
// how this test binary was built (from its build info).
func testBuildFlags(t *testing.T) (flags, env []string) {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build info")
	}
	return hostinfo.Flags(info), hostinfo.Env(info)
}

// buildPlugin builds the test plugin main package testdata/plugins/<name>
// with -buildmode=plugin and the flags this test binary was built with,
// plus extra. The runtime refuses a second plugin with one plugin path (the
// main package's import path), so the main package is built under the
// unique import path testdata/plugins/<name>_<unique> (a go build -overlay
// maps its main.go to the real one; nothing is written to the source tree).
// -ldflags=-pluginpath alone does not work: the compiler still names the
// symbols after the import path and plugin.Open can't find them. Builds are
// cached for the test binary; the first one on a machine takes about ten
// seconds. It returns the built file, to be copied into a plugins dir.
func buildPlugin(t *testing.T, name, unique string, extra ...string) string {
	t.Helper()
	return buildPluginOverlay(t, name, unique, nil, extra...)
}

// buildPluginOverlay is buildPlugin with more files in the build's overlay:
// each key, a path relative to this package's dir, reads as its value.
func buildPluginOverlay(t *testing.T, name, unique string, more map[string]string, extra ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go plugins: skipped with -short")
	}
	flags, env := testBuildFlags(t)
	args := []string{"build", "-buildmode=plugin"}
	args = append(args, flags...)
	args = append(args, extra...)
	pkg := name + "_" + sanitize(unique)
	key := strings.Join(append(slices.Clone(args), name, pkg), " ")
	for _, k := range slices.Sorted(maps.Keys(more)) {
		key += " " + k + "=" + more[k]
	}
	v, _ := builds.LoadOrStore(key, &pluginBuild{})
	pb := v.(*pluginBuild)
	pb.once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			pb.err = err
			return
		}
		replace := map[string]string{
			filepath.Join(wd, "testdata", "plugins", pkg, "main.go"): filepath.Join(wd, "testdata", "plugins", name, "main.go"),
		}
		for k, v := range more {
			replace[filepath.Join(wd, k)] = v
		}
		overlay, err := json.Marshal(map[string]map[string]string{"Replace": replace})
		if err != nil {
			pb.err = err
			return
		}
		n := buildSeq.Add(1)
		ov := filepath.Join(pluginCache, fmt.Sprintf("overlay-%d.json", n))
		if err := os.WriteFile(ov, overlay, 0o644); err != nil {
			pb.err = err
			return
		}
		pb.path = filepath.Join(pluginCache, fmt.Sprintf("%s-%d.so", pkg, n))
		args = append(args, "-overlay", ov, "-o", pb.path, testdataPkg+pkg)
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			pb.err = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out.String())
			return
		}
		t.Logf("built plugin %s as %s in %v", name, pkg, time.Since(start).Round(time.Millisecond))
	})
	if pb.err != nil {
		t.Fatal(pb.err)
	}
	return pb.path
}

// sanitize makes s a valid import path element.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// publish copies a built plugin to dir/name atomically (temp file and
// rename, as the compiler publishes), mode 0755.
func publish(t *testing.T, built, dir, name string) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	if err := atomicfile.Copy(dst, built, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// testBus is a core bus with the loader factory registered.
type testBus struct {
	ctx  context.Context
	b    bus.Bus
	le   *logrus.Entry
	logs *testutil.LogBuffer
	host *testutil.Bus
}

// stop stops the bus before the end of the test, and fails the test if
// its loaders did not exit (see testutil.Bus.Stop).
func (tb *testBus) stop(t *testing.T) {
	t.Helper()
	tb.host.Stop(t, waitTimeout)
}

// newTestBus starts a core bus with the loader factory; it stops at the
// end of the test, after its loaders exited.
func newTestBus(t *testing.T) *testBus {
	t.Helper()
	return newTestBusWith(t, func(b bus.Bus) controller.Factory { return hot_loader_filesystem.NewFactory(b) })
}

// newTestBusWith is newTestBus with the loader factory newFactory makes.
// The bus's debug log is kept, and shown if the test fails.
func newTestBusWith(t *testing.T, newFactory func(bus.Bus) controller.Factory) *testBus {
	t.Helper()
	logs := &testutil.LogBuffer{}
	t.Cleanup(func() {
		// Runs after the bus stopped (cleanups run last first).
		if t.Failed() {
			t.Logf("bus log:\n%s", logs.String())
		}
	})
	le := testutil.Logger(logs)
	b := testutil.NewBus(t, le, waitTimeout, newFactory)
	return &testBus{ctx: b.Ctx, b: b.Bus, le: le, logs: logs, host: b}
}

// apply parses a YAML config set and applies it to the bus until the end
// of the test. Parsing waits for the config constructors of every config
// ID: for a plugin's controller, until the plugin is loaded.
func (tb *testBus) apply(t *testing.T, yaml string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	cs := configset.ConfigSet{}
	if _, err := configset_json.UnmarshalYAML(ctx, tb.b, []byte(yaml), cs, true); err != nil {
		t.Fatalf("parse config set: %v\n%s", err, yaml)
	}
	_, ref, err := tb.b.AddDirective(configset.NewApplyConfigSet(cs), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Release)
}

// startLoader applies a config set with a loader of dir.
func (tb *testBus) startLoader(t *testing.T, dir string, watch bool) {
	t.Helper()
	tb.apply(t, fmt.Sprintf(`
loader:
  id: hotbus/loader/filesystem
  config:
    dir: %q
    watch: %v
    debounceDur: 20ms
`, dir, watch))
}

// watcher follows the values of a directive on the bus.
type watcher[T comparable] struct {
	mu      sync.Mutex
	vals    map[uint32]T
	log     []string
	most    int
	changed chan struct{}
}

// watch adds dir to the bus until the end of the test and follows its
// values of type T.
func watch[T comparable](t *testing.T, tb *testBus, dir directive.Directive) *watcher[T] {
	t.Helper()
	w := &watcher[T]{vals: make(map[uint32]T), changed: make(chan struct{})}
	_, ref, err := tb.b.AddDirective(dir, directive.NewCallbackHandler(
		func(v directive.AttachedValue) {
			if val, ok := v.GetValue().(T); ok {
				w.update(v.GetValueID(), val, true)
			}
		},
		func(v directive.AttachedValue) {
			if val, ok := v.GetValue().(T); ok {
				w.update(v.GetValueID(), val, false)
			}
		},
		nil,
	))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Release)
	return w
}

// update records a value added or removed.
func (w *watcher[T]) update(id uint32, val T, added bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if added {
		w.vals[id] = val
		w.log = append(w.log, fmt.Sprintf("+%v", val))
	} else {
		delete(w.vals, id)
		w.log = append(w.log, fmt.Sprintf("-%v", val))
	}
	w.most = max(w.most, len(w.vals))
	close(w.changed)
	w.changed = make(chan struct{})
}

// values returns the current values.
func (w *watcher[T]) values() []T {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]T, 0, len(w.vals))
	for _, v := range w.vals {
		out = append(out, v)
	}
	return out
}

// history returns the log of values added (+v) and removed (-v), and the
// most values there were at once.
func (w *watcher[T]) history() ([]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.log), w.most
}

// wait waits until cond holds for the current values.
func (w *watcher[T]) wait(t *testing.T, what string, cond func(vals []T) bool) []T {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		w.mu.Lock()
		ch := w.changed
		w.mu.Unlock()
		if vals := w.values(); cond(vals) {
			return vals
		}
		select {
		case <-ch:
		case <-timer.C:
			hist, _ := w.history()
			t.Fatalf("timed out waiting for %s; values %v; history %v", what, w.values(), hist)
		}
	}
}

// waitProbe waits until the echo controllers named name report exactly
// want (none if want is empty).
func waitProbe(t *testing.T, w *watcher[string], want ...string) {
	t.Helper()
	slices.Sort(want)
	w.wait(t, fmt.Sprintf("probe values %v", want), func(vals []string) bool {
		slices.Sort(vals)
		return slices.Equal(vals, want)
	})
}

// watchProbe follows the echo controllers named name.
func watchProbe(t *testing.T, tb *testBus, name string) *watcher[string] {
	t.Helper()
	return watch[string](t, tb, probe.New(name))
}

// watchManifest follows the manifest of the loader of dir.
func watchManifest(t *testing.T, tb *testBus, dir string) *watcher[*hot_manifest.Manifest] {
	t.Helper()
	return watch[*hot_manifest.Manifest](t, tb, hot_manifest.NewWatchManifest(dir))
}

// waitManifest waits until the loader's manifest has the plugin file at
// path in state, and returns that record.
func waitManifest(t *testing.T, w *watcher[*hot_manifest.Manifest], path string, state hot_manifest.State) hot_manifest.Plugin {
	t.Helper()
	return waitRecord(t, w, fmt.Sprintf("%s %s", path, state), path, func(p hot_manifest.Plugin) bool {
		return p.State == state
	})
}

// waitRecord waits until the loader's manifest has a record for path for
// which cond holds, and returns it.
func waitRecord(t *testing.T, w *watcher[*hot_manifest.Manifest], what, path string, cond func(p hot_manifest.Plugin) bool) hot_manifest.Plugin {
	t.Helper()
	var rec hot_manifest.Plugin
	w.wait(t, what+" in the manifest", func(vals []*hot_manifest.Manifest) bool {
		for _, m := range vals {
			if p := m.Find(path); p != nil && cond(*p) {
				rec = *p
				return true
			}
		}
		return false
	})
	return rec
}
