package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/sirupsen/logrus"
	"golang.org/x/mod/modfile"
)

// change is a source change that asks for a rebuild.
type change struct {
	// path is the first file that changed.
	path string
	// at is when its event arrived.
	at time.Time
}

// sourceWatcher watches the directories of a compiler's build files and
// reports the changes that can change the build: to a build file (Go and
// cgo sources, embedded files, go.mod, go.sum, go.work), to a new source
// in a package directory, to any new file in a directory holding embedded
// files, and a watched directory that disappears or comes back.
// Directories are watched rather than files, so editors that save by
// writing a temporary file and renaming it over the source are seen.
//
// A watched directory that is removed or renamed away (a branch switch, a
// git stash) loses its watch; the watcher then watches its nearest
// existing ancestor instead, logs at warn that it waits for it, and when
// the directory is back watches it again and reports a change.
//
// The root of a "/..." pattern is watched with every directory below it
// in which the pattern can match a package (treeDirs), and directories
// created there later are watched as they appear (fsnotify is not
// recursive). A directory appearing or going away in such a tree, a
// source in one of its directories that holds no package yet, or a
// go.mod appearing or going away there, can add or remove a package:
// the watcher reports it as a change and asks for a new analysis
// (takeReanalyze). A directory below a tree root that goes away is not
// waited for: its packages are gone, and the next build goes on without
// them.
type sourceWatcher struct {
	w  *fsnotify.Watcher
	le *logrus.Entry
	// want are the directories to watch: those of the build files, and
	// those the package patterns name.
	want map[string]bool
	// files are the build files.
	files map[string]bool
	// srcDirs are the directories holding a source build file: the
	// package directories, where the analysis's reuse sees a new source.
	srcDirs map[string]bool
	// anyDirs are the directories in which any new file can change the
	// build: they hold embedded files, which an embed pattern may match.
	anyDirs map[string]bool
	// trees are the roots of the "/..." patterns.
	trees map[string]bool
	// treeDirs are the existing directories of the trees, roots included,
	// as the last sync walked them (the function treeDirs).
	treeDirs map[string]bool
	// ignore are directories left out of the trees, with all below them:
	// the compiler's own output (ignoreInTrees).
	ignore map[string]bool
	// watched are the directories added to w: wanted directories that
	// exist, tree directories, and ancestors watched for missing ones.
	watched map[string]bool
	// missing maps each wanted directory that does not exist to the
	// ancestor watched in its place ("" if none exists).
	missing map[string]string
	// reanalyze is set when a change may have added or removed a package
	// in a tree, which the analysis's reuse can't see.
	reanalyze bool
	// unseen is a tree directory that set found appeared or gone with no
	// event handled for it yet (its event was still queued, or lost): the
	// next call of next reports it.
	unseen string
}

// newSourceWatcher starts an fsnotify watcher with no directories. le
// receives the warnings about directories that went away.
func newSourceWatcher(le *logrus.Entry) (*sourceWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch sources: %w", err)
	}
	return &sourceWatcher{
		w: w, le: le,
		want: map[string]bool{}, files: map[string]bool{}, srcDirs: map[string]bool{}, anyDirs: map[string]bool{},
		trees: map[string]bool{}, treeDirs: map[string]bool{}, ignore: map[string]bool{},
		watched: map[string]bool{}, missing: map[string]string{},
	}, nil
}

// Close stops the watcher.
func (s *sourceWatcher) Close() error {
	return s.w.Close()
}

// set watches exactly the directories holding files, and dirs (with the
// trees of those marked tree), whether they exist yet or not. A tree that
// changed since the last sync, with the same roots, is a change for next.
func (s *sourceWatcher) set(files []string, dirs []patternDir) error {
	prevRoots, prevTree := s.trees, s.treeDirs
	s.files = make(map[string]bool, len(files))
	s.want = make(map[string]bool, len(dirs))
	s.srcDirs = map[string]bool{}
	s.anyDirs = map[string]bool{}
	s.trees = map[string]bool{}
	fileDirs := map[string]bool{}
	for _, f := range files {
		s.files[f] = true
		dir := filepath.Dir(f)
		s.want[dir] = true
		fileDirs[dir] = true
		switch base := filepath.Base(f); {
		case analysis.IsSourceName(base):
			s.srcDirs[dir] = true
		case !isModuleFile(base):
			s.anyDirs[dir] = true
		}
	}
	for _, d := range dirs {
		dir := filepath.Clean(d.dir)
		s.want[dir] = true
		if d.tree {
			s.trees[dir] = true
		}
	}
	back, gone, err := s.sync()
	// A build directory that went away since the build read it, or a
	// missing one that came back, is a change even when its event is lost:
	// it may have been sent to a watch this sync dropped (the ancestor
	// watched for a missing directory), or to none (the first build runs
	// before its files are known).
	if s.unseen == "" {
		if len(back) != 0 {
			s.unseen = back[0]
		} else if i := slices.IndexFunc(gone, func(d string) bool { return fileDirs[d] }); i >= 0 {
			s.unseen = gone[i]
		}
	}
	if maps.Equal(prevRoots, s.trees) {
		if moved := treeChange(prevTree, s.treeDirs); moved != "" {
			s.reanalyze = true
			s.unseen = moved
		}
	}
	return err
}

// ignoreInTrees leaves dirs, and all below them, out of the trees: the
// compiler writes its codegen tree and its plugins there, which is no
// change of the sources even when a "./..." pattern's tree holds them.
func (s *sourceWatcher) ignoreInTrees(dirs ...string) {
	for _, d := range dirs {
		if d != "" {
			s.ignore[filepath.Clean(d)] = true
		}
	}
}

// takeReanalyze reports whether a change since the last call may have
// added or removed a package in a tree, and clears it.
func (s *sourceWatcher) takeReanalyze() bool {
	r := s.reanalyze
	s.reanalyze = false
	return r
}

// watchPlan is what sync watches: the directories it needs watched, the
// tree directories among them, and the missing wanted directories with
// the ancestors watched in their place.
type watchPlan struct {
	need, tree map[string]bool
	missing    map[string]string
}

// plan finds what to watch as the file system is now.
func (s *sourceWatcher) plan() watchPlan {
	p := watchPlan{need: map[string]bool{}, tree: map[string]bool{}, missing: map[string]string{}}
	for dir := range s.want {
		switch {
		case isDir(dir):
			p.need[dir] = true
		case s.inTree(dir):
			// Gone with its packages, or not there yet: the walk of
			// its tree finds it when it appears.
		default:
			anc := existingAncestor(dir)
			p.missing[dir] = anc
			if anc != "" {
				p.need[anc] = true
			}
		}
	}
	for root := range s.trees {
		for _, dir := range treeDirs(root, s.ignore) {
			p.tree[dir] = true
			p.need[dir] = true
		}
	}
	return p
}

// same reports whether p and q watch the same directories for the same
// reasons.
func (p watchPlan) same(q watchPlan) bool {
	return maps.Equal(p.need, q.need) && maps.Equal(p.tree, q.tree) && maps.Equal(p.missing, q.missing)
}

// inTree reports whether dir is strictly below a tree root, in a
// directory the tree's pattern can match (no element skipped by
// skipTreeName on the way).
func (s *sourceWatcher) inTree(dir string) bool {
	for root := range s.trees {
		rel, err := filepath.Rel(root, dir)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if !slices.ContainsFunc(strings.Split(rel, string(filepath.Separator)), skipTreeName) {
			return true
		}
	}
	return false
}

// sync brings the watches in line with the file system: every wanted
// directory that exists is watched, and for one that does not, its
// nearest existing ancestor; every directory of the trees is watched. It
// logs each directory that went missing and returns those that came back
// and those that went missing.
func (s *sourceWatcher) sync() (back, gone []string, err error) {
	var p watchPlan
	var errs []error
	// A directory created below a missing one's ancestor, or in a tree,
	// before that ancestor's watch was added sends no event: look again
	// after adding watches until nothing moved.
	for range 64 {
		errs = nil
		p = s.plan()
		for dir := range s.watched {
			if !p.need[dir] {
				// fsnotify may have dropped the watch already.
				_ = s.w.Remove(dir)
				delete(s.watched, dir)
			}
		}
		for _, dir := range slices.Sorted(maps.Keys(p.need)) {
			// Adding a watched directory again is harmless, and renews a
			// watch fsnotify dropped when the directory went away.
			if err := s.w.Add(dir); err != nil {
				errs = append(errs, fmt.Errorf("watch %s: %w", dir, err))
				continue
			}
			s.watched[dir] = true
		}
		if p.same(s.plan()) {
			break
		}
	}
	s.treeDirs = p.tree
	for _, dir := range slices.Sorted(maps.Keys(p.missing)) {
		if _, was := s.missing[dir]; !was {
			s.le.WithField("dir", dir).WithField("watching", p.missing[dir]).
				Warn("a watched source directory does not exist (removed, renamed away, or not created yet): waiting for it, then rebuilding")
			gone = append(gone, dir)
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(s.missing)) {
		if _, still := p.missing[dir]; !still && s.want[dir] && isDir(dir) {
			s.le.WithField("dir", dir).Info("a watched source directory is back: rebuilding")
			back = append(back, dir)
		}
	}
	s.missing = p.missing
	return back, gone, errors.Join(errs...)
}

// handle keeps the watches right after ev and returns the path of the
// change ev makes to the build: "" if none.
func (s *sourceWatcher) handle(ev fsnotify.Event) string {
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Remove) && !ev.Has(fsnotify.Rename) {
		return ""
	}
	dir, base := filepath.Dir(ev.Name), filepath.Base(ev.Name)
	// Whether dir was a tree directory before the event: a go.mod created
	// in it takes it out of its tree.
	inTree := s.treeDirs[dir]
	if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if s.structural(ev.Name) {
			trees := s.treeDirs
			back, _, err := s.sync()
			if err != nil {
				s.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
			}
			// A directory of a tree that appeared or went away (this
			// one, or one the sync found with it) may bring or take
			// packages.
			if moved := treeChange(trees, s.treeDirs); moved != "" {
				s.reanalyze = true
				return moved
			}
			// A wanted directory that went away took files with it; one
			// that came back brought them.
			if len(back) != 0 || s.want[ev.Name] {
				return ev.Name
			}
		}
	}
	if !s.want[dir] && !inTree {
		// An event in an ancestor watched for a missing directory.
		return ""
	}
	switch {
	case s.files[ev.Name]:
		return ev.Name
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return ""
	case isModuleFile(base):
		// A go.mod that appears in a tree directory takes it out of
		// the tree (a nested module), one that goes away puts it in.
		if inTree {
			s.reanalyze = true
		}
		return ev.Name
	case analysis.IsSourceName(base):
		// A source in a tree directory without a package may make one.
		if inTree && !s.srcDirs[dir] {
			s.reanalyze = true
		}
		return ev.Name
	case s.anyDirs[dir]:
		return ev.Name
	}
	return ""
}

// treeChange returns the first directory, in sorted order, that is in
// only one of the tree directory sets old and now: "" if they are the
// same.
func treeChange(old, now map[string]bool) string {
	var moved []string
	for dir := range old {
		if !now[dir] {
			moved = append(moved, dir)
		}
	}
	for dir := range now {
		if !old[dir] {
			moved = append(moved, dir)
		}
	}
	if len(moved) == 0 {
		return ""
	}
	return slices.Min(moved)
}

// structural reports whether an event on name can add or remove a
// watched directory: name is a wanted or tree directory, an ancestor of a
// missing one, a go.mod in a tree, or a new entry in a tree directory.
func (s *sourceWatcher) structural(name string) bool {
	dir := filepath.Dir(name)
	if s.want[name] || s.treeDirs[name] || s.treeDirs[dir] && (filepath.Base(name) == "go.mod" || isDir(name)) {
		return true
	}
	for d := range s.missing {
		if strings.HasPrefix(d, name+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// settle returns once no relevant event has arrived for quiet: each
// relevant event, or watcher error, starts the wait again.
func (s *sourceWatcher) settle(ctx context.Context, quiet time.Duration) error {
	for {
		quietFor := make(chan struct{})
		timer := time.AfterFunc(quiet, func() { close(quietFor) })
		ch, err := s.next(ctx, quietFor)
		timer.Stop()
		if err != nil || ch == nil {
			return err
		}
	}
}

// watchError handles an error of the file watcher (events lost to a full
// queue, a watch that could not be dropped): the events it may have cost
// are not known, so the watches are renewed and a build runs.
func (s *sourceWatcher) watchError(err error) {
	s.le.WithError(err).Warn("the file watcher reported an error, changes may have been missed: watching again and rebuilding")
	// A package may have appeared unseen.
	s.reanalyze = true
	if _, _, err := s.sync(); err != nil {
		s.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
	}
}

// next waits for the next relevant change: a relevant file event, with
// its path, or an error of the watcher, with no path (the events it lost
// are not known). It returns nil, nil once stop is closed (a nil stop
// never is), and an error only when ctx ends or the watcher is closed.
func (s *sourceWatcher) next(ctx context.Context, stop <-chan struct{}) (*change, error) {
	if path := s.unseen; path != "" {
		s.unseen = ""
		return &change{path: path, at: time.Now()}, nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-stop:
			return nil, nil
		case ev, ok := <-s.w.Events:
			if !ok {
				return nil, fmt.Errorf("watch sources: watcher closed")
			}
			if path := s.handle(ev); path != "" {
				return &change{path: path, at: time.Now()}, nil
			}
		case err, ok := <-s.w.Errors:
			if !ok {
				return nil, fmt.Errorf("watch sources: watcher closed")
			}
			s.watchError(err)
			return &change{at: time.Now()}, nil
		}
	}
}

// changedSince returns a change for the first of files modified between t
// and now, or nil. Modification times in the future (clock skew, files
// unpacked from an archive) are not changes: they would be forever.
func changedSince(files []string, t time.Time) *change {
	now := time.Now()
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			continue
		}
		if m := fi.ModTime(); !m.Before(t) && !m.After(now) {
			return &change{path: f, at: m}
		}
	}
	return nil
}

// patternDir is a directory a package pattern names.
type patternDir struct {
	// dir is the directory, absolute and clean.
	dir string
	// tree is set for a "/..." pattern: every directory below dir in
	// which it can match a package is watched too (treeDirs).
	tree bool
}

// patternDirs returns the directories that the package patterns name:
// local patterns ("./x", "../y/...", absolute paths) relative to workDir,
// and import path patterns inside the module that holds workDir. They are
// watched even while no package is found there, so a package that appears
// (or a directory that comes back) is built. A "/..." pattern names its
// tree: a package that appears anywhere in it is built. Patterns of other
// modules name no directory.
func patternDirs(workDir string, patterns []string) []patternDir {
	modDir, modPath := enclosingModule(workDir)
	var dirs []patternDir
	for _, p := range patterns {
		tree := strings.HasSuffix(p, "...")
		p = strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		switch {
		case filepath.IsAbs(p):
		case p == "" || p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../"):
			p = filepath.Join(workDir, p)
		case modPath != "" && (p == modPath || strings.HasPrefix(p, modPath+"/")):
			p = filepath.Join(modDir, filepath.FromSlash(strings.TrimPrefix(p, modPath)))
		default:
			continue
		}
		dirs = append(dirs, patternDir{dir: filepath.Clean(p), tree: tree})
	}
	return dirs
}

// treeDirs returns root, if it is a directory, and every directory below
// it in which a "root/..." pattern can match a package, as the go command
// walks it: not the directories skipTreeName skips, nor those holding a
// go.mod of their own (nested modules), nor anything below them, and no
// symbolic links. The directories in ignore, and all below them, are left
// out too, and so are directories that can't be read.
func treeDirs(root string, ignore map[string]bool) []string {
	var dirs []string
	var walk func(dir string)
	walk = func(dir string) {
		if dir != root && ignore[dir] {
			return
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		if dir != root && slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.Name() == "go.mod" && !e.IsDir() }) {
			return
		}
		dirs = append(dirs, dir)
		for _, e := range ents {
			if e.IsDir() && !skipTreeName(e.Name()) {
				walk(filepath.Join(dir, e.Name()))
			}
		}
	}
	walk(root)
	return dirs
}

// skipTreeName reports whether the go command's "/..." patterns skip a
// directory of this name, and everything below it: testdata, vendor, and
// names starting with "." or "_".
func skipTreeName(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// forgetAnalysis makes the next build of c run the analysis again even if
// none of the files it read changed: a package may have appeared in, or
// gone from, a "/..." pattern's tree, which the reuse of the analysis
// (analysis.Record) does not look for.
func (c *Compiler) forgetAnalysis() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record = nil
}

// enclosingModule returns the directory and module path of the go.mod
// file at or above dir, or "" and "" if there is none.
func enclosingModule(dir string) (string, string) {
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return d, modfile.ModulePath(data)
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

// isModuleFile reports whether base is a go.mod, go.sum or go.work file.
func isModuleFile(base string) bool {
	switch base {
	case "go.mod", "go.sum", "go.work", "go.work.sum":
		return true
	}
	return false
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// existingAncestor returns the nearest ancestor of path that is a
// directory, or "" if none is.
func existingAncestor(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if isDir(dir) {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}
