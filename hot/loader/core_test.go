package hot_loader_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver/static"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// waitTimeout bounds every wait in these tests.
const waitTimeout = 30 * time.Second

// fakeOpener opens "*.cbus.fake" files holding "<binary-id> <version>",
// like a process loader would: each Open is a new build that must be
// released. It records the releases. A file holding "<binary-id> <version>
// stuck" is a build whose one controller ignores its context (see
// stuckResolver).
type fakeOpener struct {
	mu       sync.Mutex
	released []string
	changed  chan struct{}
	// stuck are the resolvers of the stuck builds, by "<binary-id>
	// <version>".
	stuck map[string]*stuckResolver
}

// fakeBuild is a build of fakeOpener.
type fakeBuild struct {
	o           *fakeOpener
	id, version string
	stuck       bool
	dropped     int
}

func (o *fakeOpener) Suffix() string          { return ".cbus.fake" }
func (o *fakeOpener) Mode() hot_manifest.Mode { return hot_manifest.ModeProcess }

func (o *fakeOpener) Open(path, copyPath, sum string) (hot_loader.Build, bool, error) {
	data, err := os.ReadFile(copyPath)
	if err != nil {
		return nil, false, fmt.Errorf("read the copy of %s: %w", path, err)
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 || len(fields) > 3 || len(fields) == 3 && fields[2] != "stuck" {
		return nil, false, fmt.Errorf("%s: want \"<binary-id> <version> [stuck]\"", path)
	}
	return &fakeBuild{o: o, id: fields[0], version: fields[1], stuck: len(fields) == 3}, false, nil
}

func (b *fakeBuild) BinaryID() string      { return b.id }
func (b *fakeBuild) BinaryVersion() string { return b.version }
func (b *fakeBuild) Dropped()              { b.dropped++ }

func (b *fakeBuild) NewResolver(ctx context.Context, _ bus.Bus) (controller.FactoryResolver, error) {
	if !b.stuck {
		return static.NewResolver(), nil
	}
	res := &stuckResolver{Resolver: static.NewResolver(), b: b, released: make(chan struct{})}
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	if b.o.stuck == nil {
		b.o.stuck = make(map[string]*stuckResolver)
	}
	b.o.stuck[b.id+" "+b.version] = res
	return res, nil
}

// stuckResolver is the resolver of a stuck fake build: it tracks one
// controller (test/stuck) that stays in Execute until release. It counts
// the WaitStopped calls in progress.
type stuckResolver struct {
	*static.Resolver
	b        *fakeBuild
	released chan struct{}
	waiting  atomic.Int32
}

func (r *stuckResolver) GetConfigIDs() []string     { return []string{"test/stuck"} }
func (r *stuckResolver) Executing() <-chan struct{} { return nil }

// WaitStopped returns once released, or a StuckError naming test/stuck
// when ctx ends.
func (r *stuckResolver) WaitStopped(ctx context.Context) error {
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	select {
	case <-r.released:
		return nil
	case <-ctx.Done():
		return &hot_plugin.StuckError{
			BinaryID:      r.b.id,
			BinaryVersion: r.b.version,
			Controllers:   []hot_plugin.StuckController{{ControllerID: "test/stuck", ConfigID: "test/stuck-config", Executing: true}},
			Err:           context.Cause(ctx),
		}
	}
}

// stuckResolver returns the resolver of the stuck build of binary ID id
// and version.
func (o *fakeOpener) stuckResolver(t *testing.T, id, version string) *stuckResolver {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	res := o.stuck[id+" "+version]
	if res == nil {
		t.Fatalf("no stuck build %s %s was put on the bus", id, version)
	}
	return res
}

func (b *fakeBuild) Release() error {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	b.o.released = append(b.o.released, b.version)
	if b.o.changed != nil {
		close(b.o.changed)
		b.o.changed = nil
	}
	return nil
}

// waitReleased waits until the released versions are want, in order.
func (o *fakeOpener) waitReleased(t *testing.T, want ...string) {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		o.mu.Lock()
		got := strings.Join(o.released, ",")
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		ch := o.changed
		o.mu.Unlock()
		if got == strings.Join(want, ",") {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("released builds: %q, want %q", got, want)
		}
	}
}

// writeBuild publishes a fake build file name into dir, dated at, so that
// builds are ordered whatever the file system's timestamp granularity. It
// is written beside, dated, then renamed into place, as the compiler
// publishes: a scan never sees it undated.
func writeBuild(t *testing.T, dir, name, content string, at time.Time) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, at, at); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// waitLoaded waits until the build file name is loaded.
func waitLoaded(t *testing.T, l *hot_loader.Loader, dir, name string) hot_manifest.Plugin {
	t.Helper()
	return waitState(t, l, dir, name, hot_manifest.StateLoaded)
}

// waitState waits until the record of the build file name is in state,
// and returns it.
func waitState(t *testing.T, l *hot_loader.Loader, dir, name string, state hot_manifest.State) hot_manifest.Plugin {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	path := filepath.Join(dir, name)
	m, err := l.WaitManifest(ctx, func(m *hot_manifest.Manifest) bool {
		p := m.Find(path)
		return p != nil && p.State == state
	})
	if err != nil {
		t.Fatalf("%s not %s: %v; manifest: %+v", name, state, err, l.GetManifest())
	}
	return *m.Find(path)
}

// TestCoreWithAnotherOpener drives the shared core with an opener of
// another kind (a process loader's shape): its suffix is the one scanned,
// its mode is recorded, the build a reload replaced is kept for a
// rollback and released once a newer build makes it unreachable, every
// build is released when the loader stops, and WatchManifest is answered
// only for this loader's ID.
func TestCoreWithAnotherOpener(t *testing.T) {
	le := testutil.Logger(testutil.LogWriter(t))
	tb := testutil.NewBus(t, le, waitTimeout)
	dir := t.TempDir()
	l, op, ctx, cancel, exited := runFakeLoader(tb, le, dir, 0)
	defer cancel()
	rel, err := tb.AddController(ctx, loaderController{l}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()

	t0 := time.Now().Add(-time.Hour)
	writeBuild(t, dir, "a-1.cbus.fake", "a 1", t0)
	writeBuild(t, dir, "ignored.cbus.so", "not mine", t0)
	p := waitLoaded(t, l, dir, "a-1.cbus.fake")
	if p.Mode != hot_manifest.ModeProcess || p.BinaryID != "a" || p.BinaryVersion != "1" {
		t.Errorf("record of a-1: %+v, want mode process, binary a version 1", p)
	}
	if m := l.GetManifest(); m.Loader != "test/loader/fake" || m.Find(filepath.Join(dir, "ignored.cbus.so")) != nil {
		t.Errorf("manifest: loader %q, plugins %+v: want test/loader/fake, without the .cbus.so file", m.Loader, m.Plugins)
	}

	// a-2 replaces a-1; a-1 is what a rollback would go back to: kept.
	writeBuild(t, dir, "a-2.cbus.fake", "a 2", t0.Add(time.Minute))
	waitLoaded(t, l, dir, "a-2.cbus.fake")
	// a-3 replaces a-2: a-1 can't come back any more, and is released.
	writeBuild(t, dir, "a-3.cbus.fake", "a 3", t0.Add(2*time.Minute))
	waitLoaded(t, l, dir, "a-3.cbus.fake")
	op.waitReleased(t, "1")

	// WatchManifest: answered for this loader's ID or any, not another's.
	for _, tc := range []struct {
		loaderID string
		want     bool
	}{{"test/loader/fake", true}, {"", true}, {"hotbus/loader/filesystem", false}} {
		wctx, wcancel := context.WithTimeout(ctx, waitTimeout)
		v, _, ref, err := bus.ExecOneOffTyped[hot_manifest.WatchManifestValue](wctx, tb.Bus,
			hot_manifest.NewWatchLoaderManifest(tc.loaderID, dir), bus.ReturnWhenIdle(), nil)
		wcancel()
		if err != nil {
			t.Fatalf("WatchManifest(%q): %v", tc.loaderID, err)
		}
		if got := v != nil; got != tc.want {
			t.Errorf("WatchManifest(%q) answered: %v, want %v", tc.loaderID, got, tc.want)
		}
		if ref != nil {
			ref.Release()
		}
	}

	cancel()
	if err := <-exited; err != nil {
		t.Errorf("Execute: %v", err)
	}
	op.waitReleased(t, "1", "2", "3")
}

// runFakeLoader runs a watching loader of fake builds (fakeOpener) in dir
// on tb's bus, with stopTimeout (0: the default), until cancel is called or
// the bus stops; exited receives what Execute returned.
func runFakeLoader(tb *testutil.Bus, le *logrus.Entry, dir string, stopTimeout time.Duration) (
	l *hot_loader.Loader, op *fakeOpener, ctx context.Context, cancel context.CancelFunc, exited <-chan error,
) {
	op = &fakeOpener{}
	l = hot_loader.New(le, tb.Bus, hot_loader.Config{
		LoaderID:    "test/loader/fake",
		Dir:         dir,
		Watch:       true,
		Debounce:    5 * time.Millisecond,
		StopTimeout: stopTimeout,
	})
	ctx, cancel = context.WithCancel(tb.Ctx)
	done := make(chan error, 1)
	go func() { done <- l.Execute(ctx, op) }()
	return l, op, ctx, cancel, done
}

// loaderController puts a Loader's HandleDirective on the bus, as a loader
// controller does.
type loaderController struct {
	*hot_loader.Loader
}

func (c loaderController) GetControllerInfo() *controller.Info {
	return controller.NewInfo("test/loader/fake", controller.MustParseVersion("0.0.1"), "test loader")
}
func (c loaderController) Execute(ctx context.Context) error { return nil }
func (c loaderController) Close() error                      { return nil }

// TestCoreStuckBuildExitingLater drops builds whose controller does not
// stop within the stop timeout. One is removed and then lets its
// controller go: the loader, which waited in the background, logs it at
// info and the record, stuck until then, becomes removed with Stuck empty.
// The other is superseded and never lets go: when the loader stops, it
// stops waiting (Execute returns with no WaitStopped left running) and the
// record stays stuck.
func TestCoreStuckBuildExitingLater(t *testing.T) {
	logs := &testutil.LogBuffer{}
	le := testutil.Logger(io.MultiWriter(logs, testutil.LogWriter(t)))
	tb := testutil.NewBus(t, le, waitTimeout)
	dir := t.TempDir()
	l, op, _, cancel, exited := runFakeLoader(tb, le, dir, 20*time.Millisecond)
	defer cancel()

	const name = "test/stuck (config test/stuck-config, still in Execute)"
	t0 := time.Now().Add(-time.Hour)
	writeBuild(t, dir, "s-1.cbus.fake", "s 1 stuck", t0)
	waitLoaded(t, l, dir, "s-1.cbus.fake")
	if err := os.Remove(filepath.Join(dir, "s-1.cbus.fake")); err != nil {
		t.Fatal(err)
	}
	rec := waitState(t, l, dir, "s-1.cbus.fake", hot_manifest.StateStuck)
	if !slices.Equal(rec.Stuck, []string{name}) {
		t.Fatalf("stuck %q, want [%q]", rec.Stuck, name)
	}
	close(op.stuckResolver(t, "s", "1").released)
	rec = waitState(t, l, dir, "s-1.cbus.fake", hot_manifest.StateRemoved)
	if len(rec.Stuck) != 0 {
		t.Errorf("record after the stuck controller exited: stuck %q, want none", rec.Stuck)
	}
	logs.WaitLine(t, waitTimeout, "level=info", "stuck controller exited at last",
		"test/stuck (config test/stuck-config) returned from Execute",
		`controller-ids="[test/stuck]"`, `config-ids="[test/stuck-config]"`,
		"binary-id=s", "binary-version=1", "after-drop=")

	writeBuild(t, dir, "u-1.cbus.fake", "u 1 stuck", t0.Add(time.Minute))
	waitLoaded(t, l, dir, "u-1.cbus.fake")
	writeBuild(t, dir, "u-2.cbus.fake", "u 2", t0.Add(2*time.Minute))
	waitLoaded(t, l, dir, "u-2.cbus.fake")
	rec = waitState(t, l, dir, "u-1.cbus.fake", hot_manifest.StateStuck)
	if !slices.Equal(rec.Stuck, []string{name}) {
		t.Fatalf("stuck %q, want [%q]", rec.Stuck, name)
	}
	cancel()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("Execute: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("the loader did not exit within %v of its context's end, with a stuck controller", waitTimeout)
	}
	if n := op.stuckResolver(t, "u", "1").waiting.Load(); n != 0 {
		t.Errorf("%d waits for the stuck controller still run after the loader exited", n)
	}
	if p := l.GetManifest().Find(filepath.Join(dir, "u-1.cbus.fake")); p == nil || p.State != hot_manifest.StateStuck {
		t.Errorf("record of u-1 after the loader stopped: %+v, want stuck", p)
	}
	if n := strings.Count(logs.String(), "exited at last"); n != 1 {
		t.Errorf("%d lines say a stuck controller exited at last, want 1 (of s-1; u-1's never did)", n)
	}
}
