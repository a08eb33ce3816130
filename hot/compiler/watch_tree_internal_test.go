package hot_compiler

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestTreeDirs proves which directories a "/..." pattern's tree holds:
// those the go command walks for it, without testdata, vendor, "." and
// "_" directories, nested modules, symbolic links, ignored directories
// (the compiler's own output), or anything below them.
func TestTreeDirs(t *testing.T) {
	root := filepath.Join(t.TempDir(), "ctrls")
	for _, d := range []string{
		"a", "a/deeper/c", "empty",
		"a/testdata/x", "vendor/v", "_skip/s", ".hidden/h", "nested/sub", "gen/units/u",
	} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	compilertest.Write(t, filepath.Join(root, "nested"), "go.mod", "module example.com/nested\n")
	// A go.mod in the root is the tree's own module: the root stays.
	compilertest.Write(t, root, "go.mod", "module example.com/ctrls\n")
	// A directory named go.mod is no module.
	if err := os.MkdirAll(filepath.Join(root, "empty", "go.mod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}

	got := treeDirs(root, map[string]bool{filepath.Join(root, "gen"): true, root: true})
	var want []string
	for _, d := range []string{"", "a", "a/deeper", "a/deeper/c", "empty", "empty/go.mod"} {
		want = append(want, filepath.Join(root, filepath.FromSlash(d)))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("treeDirs =\n%v\nwant\n%v", got, want)
	}
	if got := treeDirs(filepath.Join(root, "missing"), nil); got != nil {
		t.Errorf("treeDirs of a missing root = %v, want none", got)
	}
}

// TestWatchFollowsATree proves that the watcher of a "/..." pattern
// watches its whole tree and nothing else, that a directory created in it
// (two levels at once) is watched and asks for a new analysis, as does a
// source in a directory without a package, that a skipped directory
// created in it is not watched and no change, and that a directory
// removed from it is a change, unwatched without a warning.
func TestWatchFollowsATree(t *testing.T) {
	mod := t.TempDir()
	root := filepath.Join(mod, "ctrls")
	a := filepath.Join(root, "a")
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n")
	compilertest.Write(t, a, "a.go", "package a\n")
	compilertest.Write(t, filepath.Join(a, "testdata"), "x.go", "package x\n")
	w, hook := newTestWatcher(t)
	ctx := watchCtx(t)
	files := []string{filepath.Join(mod, "go.mod"), filepath.Join(a, "a.go")}
	if err := w.set(files, patternDirs(mod, []string{"./ctrls/..."})); err != nil {
		t.Fatal(err)
	}
	watched := func(want ...string) {
		t.Helper()
		if got := slices.Sorted(maps.Keys(w.watched)); !slices.Equal(got, want) {
			t.Fatalf("watched =\n%v\nwant\n%v", got, want)
		}
	}
	watched(mod, root, a)
	if w.takeReanalyze() {
		t.Error("a new analysis asked for before anything changed")
	}

	// Skipped directories are no change: the next change seen is the
	// new package below them.
	for _, d := range []string{"_skip", ".hidden", "testdata", "vendor"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c := filepath.Join(root, "b", "deeper", "c")
	if err := os.MkdirAll(c, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := nextChange(t, ctx, w); got != filepath.Join(root, "b") {
		t.Fatalf("change = %s, want the new directory %s", got, filepath.Join(root, "b"))
	}
	if !w.takeReanalyze() {
		t.Error("a new directory in the tree did not ask for a new analysis")
	}
	b, deeper := filepath.Join(root, "b"), filepath.Join(root, "b", "deeper")
	watched(mod, root, a, b, deeper, c)

	// A source in a directory without a package may make one.
	compilertest.Write(t, c, "c.go", "package c\n")
	if got := nextChange(t, ctx, w); got != filepath.Join(c, "c.go") {
		t.Fatalf("change = %s, want %s", got, filepath.Join(c, "c.go"))
	}
	if !w.takeReanalyze() {
		t.Error("a source in a directory without a package did not ask for a new analysis")
	}
	// An edit in a package directory is seen, and left to the
	// analysis's reuse.
	compilertest.Write(t, a, "a.go", "package a\n\n// edited\n")
	for nextChange(t, ctx, w) != filepath.Join(a, "a.go") {
	}
	w.takeReanalyze()
	compilertest.Write(t, a, "a.go", "package a\n\n// edited again\n")
	if got := nextChange(t, ctx, w); got != filepath.Join(a, "a.go") {
		t.Fatalf("change = %s, want the edit of a.go", got)
	}
	if w.takeReanalyze() {
		t.Error("an edit in a package directory asked for a new analysis")
	}

	// A removed package directory is a change, not waited for.
	if err := os.RemoveAll(b); err != nil {
		t.Fatal(err)
	}
	// The first change after the removal drops the whole subtree.
	nextChange(t, ctx, w)
	for w.treeDirs[b] {
		nextChange(t, ctx, w)
	}
	if !w.takeReanalyze() {
		t.Error("a directory removed from the tree did not ask for a new analysis")
	}
	watched(mod, root, a)
	for len(hook) != 0 {
		if e := <-hook; e.Data["dir"] != nil {
			t.Errorf("logged %q for %v: a directory removed from a tree is not waited for", e.Message, e.Data["dir"])
		}
	}
}

// TestWatchTreeRootAppears proves that a "/..." pattern whose root does
// not exist yet waits for it, and watches its whole tree when it
// appears with directories in it.
func TestWatchTreeRootAppears(t *testing.T) {
	mod := t.TempDir()
	root := filepath.Join(mod, "ctrls")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set(nil, patternDirs(mod, []string{"./ctrls/..."})); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.missing[root]; !ok {
		t.Fatalf("missing = %v, want %s waited for", w.missing, root)
	}
	pkg := filepath.Join(root, "x", "y")
	compilertest.Write(t, pkg, "y.go", "package y\n")
	nextChange(t, ctx, w)
	compilertest.Write(t, pkg, "y.go", "package y\n\n// edited\n")
	for nextChange(t, ctx, w) != filepath.Join(pkg, "y.go") {
	}
	if !w.treeDirs[pkg] {
		t.Errorf("tree dirs = %v, want %s among them", w.treeDirs, pkg)
	}
}

// TestWatchSeesATreeChangeBetweenBuilds proves that a package directory
// created while no event is read (between a build's end and the watches
// set for the next) is a change, with a new analysis, even though
// setting the watches finds it first.
func TestWatchSeesATreeChangeBetweenBuilds(t *testing.T) {
	mod := t.TempDir()
	root := filepath.Join(mod, "ctrls")
	compilertest.Write(t, filepath.Join(root, "a"), "a.go", "package a\n")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	dirs := patternDirs(mod, []string{"./ctrls/..."})
	if err := w.set(nil, dirs); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(root, "b", "c")
	compilertest.Write(t, c, "c.go", "package c\n")
	if err := w.set(nil, dirs); err != nil {
		t.Fatal(err)
	}
	if got := nextChange(t, ctx, w); got != filepath.Join(root, "b") {
		t.Fatalf("change = %s, want the new directory %s", got, filepath.Join(root, "b"))
	}
	if !w.takeReanalyze() {
		t.Error("a new directory found by set did not ask for a new analysis")
	}
}

// TestWatchTreeNestedModuleLeaves proves that a go.mod written into a
// directory of a tree (it becomes a module of its own, which "/..."
// does not match) is a change with a new analysis, and that the
// directory and those below it are no longer watched.
func TestWatchTreeNestedModuleLeaves(t *testing.T) {
	mod := t.TempDir()
	root := filepath.Join(mod, "ctrls")
	b := filepath.Join(root, "b")
	compilertest.Write(t, filepath.Join(b, "deeper"), "d.go", "package deeper\n")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	if err := w.set(nil, patternDirs(mod, []string{"./ctrls/..."})); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(w.watched)); !slices.Equal(got, []string{root, b, filepath.Join(b, "deeper")}) {
		t.Fatalf("watched = %v, want the tree %s", got, root)
	}
	compilertest.Write(t, b, "go.mod", "module example.com/b\n")
	if got := nextChange(t, ctx, w); got != b {
		t.Fatalf("change = %s, want the directory that left the tree %s", got, b)
	}
	if !w.takeReanalyze() {
		t.Error("a nested module in the tree did not ask for a new analysis")
	}
	if got := slices.Sorted(maps.Keys(w.watched)); !slices.Equal(got, []string{root}) {
		t.Errorf("watched = %v, want only %s", got, root)
	}
}

// TestWatchSeesADirChangeBetweenBuilds proves that set reports a missing
// package directory that came back, and a build directory that went away,
// between a build and the next set, even though the event of each went to
// a watch that set drops (the ancestor watched for the missing directory)
// or to none: the host loses no edit made while a build ran.
func TestWatchSeesADirChangeBetweenBuilds(t *testing.T) {
	mod := t.TempDir()
	pkg := filepath.Join(mod, "counter")
	w, _ := newTestWatcher(t)
	ctx := watchCtx(t)
	dirs := patternDirs(mod, []string{"./counter"})
	if err := w.set(nil, dirs); err != nil {
		t.Fatal(err)
	}
	// Back: created while "the build" ran, seen by set before next.
	compilertest.Write(t, pkg, "c.go", "package counter\n")
	files := []string{filepath.Join(pkg, "c.go")}
	if err := w.set(files, dirs); err != nil {
		t.Fatal(err)
	}
	if got := nextChange(t, ctx, w); got != pkg {
		t.Fatalf("change = %s, want the directory that came back %s", got, pkg)
	}
	// Gone: a directory of the build's files, never watched (the first
	// build runs before its files are known), removed before set.
	lib := filepath.Join(mod, "lib")
	compilertest.Write(t, lib, "l.go", "package lib\n")
	files = append(files, filepath.Join(lib, "l.go"))
	if err := os.RemoveAll(lib); err != nil {
		t.Fatal(err)
	}
	if err := w.set(files, dirs); err != nil {
		t.Fatal(err)
	}
	if got := nextChange(t, ctx, w); got != lib {
		t.Fatalf("change = %s, want the build directory that went away %s", got, lib)
	}
	// Still gone at the next set (a build that failed for it): set finds
	// no change, so a missing directory is no rebuild loop.
	if err := w.set(files, dirs); err != nil {
		t.Fatal(err)
	}
	if w.unseen != "" {
		t.Fatalf("set with the same missing directory reported a change: %s", w.unseen)
	}
}
