package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	io "io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
	"github.com/sirupsen/logrus"
)

// entryHook sends every log entry to a channel.
type entryHook chan *logrus.Entry

// Levels returns every level.
func (h entryHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire sends e, dropping it if nobody keeps up.
func (h entryHook) Fire(e *logrus.Entry) error {
	select {
	case h <- e:
	default:
	}
	return nil
}

// newTestWatcher returns a watcher whose log entries arrive on the hook.
func newTestWatcher(t *testing.T) (*sourceWatcher, entryHook) {
	t.Helper()
	hook := make(entryHook, 256)
	l := logrus.New()
	l.Out = io.Discard
	l.AddHook(hook)
	w, err := newSourceWatcher(logrus.NewEntry(l))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, hook
}

// watchCtx bounds a wait for the watcher.
func watchCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// nextChange waits for the watcher's next relevant change.
func nextChange(t *testing.T, ctx context.Context, w *sourceWatcher) string {
	t.Helper()
	ch, err := w.next(ctx, nil)
	if err != nil {
		t.Fatalf("no change seen: %v", err)
	}
	return ch.path
}

// waitMissing reads changes until the watcher has logged, at warn, that
// dir is gone.
func waitMissing(t *testing.T, ctx context.Context, w *sourceWatcher, hook entryHook, dir string) {
	t.Helper()
	for {
		select {
		case e := <-hook:
			if e.Level == logrus.WarnLevel && e.Data["dir"] == dir {
				return
			}
			continue
		default:
		}
		if _, err := w.next(ctx, nil); err != nil {
			t.Fatalf("no warning that %s is gone: %v", dir, err)
		}
	}
}

// TestWatchSurvivesADirectoryRemovedAndRecreated proves that a package
// directory removed and created again (a branch switch) is watched again:
// its return is a change, and so is the next edit in it.
func TestWatchSurvivesADirectoryRemovedAndRecreated(t *testing.T) {
	mod := t.TempDir()
	pkg := filepath.Join(mod, "pkg")
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n")
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	w, hook := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set([]string{filepath.Join(mod, "go.mod"), filepath.Join(pkg, "a.go")}, nil); err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(pkg); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, ctx, w, hook, pkg)

	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// back\n")
	for nextChange(t, ctx, w) != pkg {
	}
	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// edited\n")
	if got := nextChange(t, ctx, w); got != filepath.Join(pkg, "a.go") {
		t.Fatalf("change = %s, want the edit of a.go", got)
	}
}

// TestWatchSurvivesADirectoryRenamedAwayAndBack proves the same for a
// directory renamed away and back (git stash, or a move in an editor),
// where the directory keeps its inode.
func TestWatchSurvivesADirectoryRenamedAwayAndBack(t *testing.T) {
	mod := t.TempDir()
	pkg := filepath.Join(mod, "pkg")
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	w, hook := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set([]string{filepath.Join(pkg, "a.go")}, nil); err != nil {
		t.Fatal(err)
	}

	away := filepath.Join(mod, "away")
	if err := os.Rename(pkg, away); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, ctx, w, hook, pkg)
	if err := os.Rename(away, pkg); err != nil {
		t.Fatal(err)
	}
	for nextChange(t, ctx, w) != pkg {
	}
	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// edited\n")
	if got := nextChange(t, ctx, w); got != filepath.Join(pkg, "a.go") {
		t.Fatalf("change = %s, want the edit of a.go", got)
	}
}

// TestWatchSeesAPackageAppear proves that a local pattern's directory
// that does not exist yet (and whose ancestors may not either) is waited
// for: creating it is a change, and it is watched from then on.
func TestWatchSeesAPackageAppear(t *testing.T) {
	mod := t.TempDir()
	pkg := filepath.Join(mod, "a", "b")
	dirs := patternDirs(mod, []string{"./a/b"})
	if len(dirs) != 1 || dirs[0] != (patternDir{dir: pkg}) {
		t.Fatalf("patternDirs = %v, want [%s]", dirs, pkg)
	}
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set(nil, dirs); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(mod, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	compilertest.Write(t, pkg, "b.go", "package b\n")
	// The first event in the new tree is a change, whichever it is.
	nextChange(t, ctx, w)
	// And the new directory is watched.
	compilertest.Write(t, pkg, "b.go", "package b\n\n// edited\n")
	for nextChange(t, ctx, w) != filepath.Join(pkg, "b.go") {
	}
}

// TestWatchSeesEveryBuildFile proves that embedded files and cgo sources
// are build files, that a new file beside an embedded one is a change (an
// embed pattern may match it), and that other files are not.
func TestWatchSeesEveryBuildFile(t *testing.T) {
	mod := t.TempDir()
	pkg := filepath.Join(mod, "pkg")
	docs := filepath.Join(mod, "docs")
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n")
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	compilertest.Write(t, pkg, "message.txt", "hello\n")
	compilertest.Write(t, docs, "d.go", "package docs\n")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	files := []string{filepath.Join(mod, "go.mod"), filepath.Join(pkg, "a.go"), filepath.Join(pkg, "message.txt"), filepath.Join(docs, "d.go")}
	if err := w.set(files, nil); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, tc := range []struct{ dir, name string }{
		{pkg, "message.txt"},
		{pkg, "new.txt"},
		{pkg, "add.c"},
		{pkg, "arch.s"},
		{pkg, "blob.syso"},
		{docs, "d.go"},
	} {
		// Files no build reads, written first, must not be reported.
		compilertest.Write(t, docs, "notes.txt", tc.name)
		compilertest.Write(t, mod, "README.md", tc.name)
		compilertest.Write(t, pkg, ".hidden.txt", tc.name)
		compilertest.Write(t, tc.dir, tc.name, "changed "+tc.name)
		// A new file is two events (create, write): skip the previous
		// case's second one.
		got := nextChange(t, ctx, w)
		for got == prev {
			got = nextChange(t, ctx, w)
		}
		if want := filepath.Join(tc.dir, tc.name); got != want {
			t.Fatalf("change = %s, want %s", got, want)
		}
		prev = got
	}
}

// TestPatternDirs proves which directories the package patterns name.
func TestPatternDirs(t *testing.T) {
	mod := t.TempDir()
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n")
	work := filepath.Join(mod, "cmd")
	got := patternDirs(work, []string{
		"./a", "../b/...", "./...", "/abs/c", "example.com/m/d/e", "example.com/m/...", "example.com/other/f", "github.com/x/y",
	})
	want := []patternDir{
		{filepath.Join(work, "a"), false}, {filepath.Join(mod, "b"), true}, {work, true}, {"/abs/c", false},
		{filepath.Join(mod, "d", "e"), false}, {mod, true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("patternDirs =\n%v\nwant\n%v", got, want)
	}
}

// TestWatchErrorIsAChange overflows the kernel's event queue (more
// events than /proc/sys/fs/inotify/max_queued_events, and than fsnotify
// holds, before the watcher reads one): the events lost are unknown, so
// the error is logged at warn and is a change, and watching goes on.
func TestWatchErrorIsAChange(t *testing.T) {
	if testing.Short() {
		t.Skip("writes tens of thousands of files")
	}
	data, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skipf("no inotify queue limit to overflow: %v", err)
	}
	var limit int
	if _, err := fmt.Sscan(string(data), &limit); err != nil || limit > 1<<17 {
		t.Skipf("inotify queue limit %q: too large to overflow here", data)
	}
	pkg := t.TempDir()
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	w, hook := newTestWatcher(t)
	// Tens of thousands of files and events: more time than watchCtx's on
	// a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := w.set([]string{filepath.Join(pkg, "a.go")}, nil); err != nil {
		t.Fatal(err)
	}
	// One event per file. Besides the kernel's queue, fsnotify's reader
	// holds one read's worth of events (up to 4096) while nobody reads
	// them: write more than both, or a reader that got to run during the
	// writes (a loaded machine) keeps the queue from overflowing.
	for i := range limit + 4096 + 1000 {
		if err := os.WriteFile(filepath.Join(pkg, fmt.Sprintf("f%d.go", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for nextChange(t, ctx, w) != "" {
	}
	warned := false
	for len(hook) != 0 {
		e := <-hook
		warned = warned || e.Level == logrus.WarnLevel && strings.Contains(e.Message, "file watcher reported an error")
	}
	if !warned {
		t.Error("the watcher error was not logged at warn")
	}
	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// edited\n")
	for nextChange(t, ctx, w) != filepath.Join(pkg, "a.go") {
	}
}

// TestNextEndsWhenStopped proves that a wait for a change during a build
// ends with no change when the build is done, and with the change when a
// watched file changes first.
func TestNextEndsWhenStopped(t *testing.T) {
	pkg := t.TempDir()
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set([]string{filepath.Join(pkg, "a.go")}, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	close(done)
	if ch, err := w.next(ctx, done); ch != nil || err != nil {
		t.Fatalf("next after the build ended, with no change = %v, %v; want nil, nil", ch, err)
	}
	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// edited\n")
	if ch, err := w.next(ctx, make(chan struct{})); err != nil || ch == nil || ch.path != filepath.Join(pkg, "a.go") {
		t.Fatalf("next with a.go edited = %v, %v; want the change of a.go", ch, err)
	}
}

// TestSettleReturnsWhenQuietOrCanceled proves that settle returns nil once
// the sources are quiet, after taking in the events still queued, and the
// cause when its context ends.
func TestSettleReturnsWhenQuietOrCanceled(t *testing.T) {
	pkg := t.TempDir()
	compilertest.Write(t, pkg, "a.go", "package pkg\n")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set([]string{filepath.Join(pkg, "a.go")}, nil); err != nil {
		t.Fatal(err)
	}
	compilertest.Write(t, pkg, "a.go", "package pkg\n\n// edited\n")
	if err := w.settle(ctx, 50*time.Millisecond); err != nil {
		t.Fatalf("settle with the sources quiet: %v", err)
	}
	canceled, cancel := context.WithCancelCause(ctx)
	cause := errors.New("stopping")
	cancel(cause)
	if err := w.settle(canceled, time.Hour); !errors.Is(err, cause) {
		t.Fatalf("settle with its context canceled = %v, want %v", err, cause)
	}
}
