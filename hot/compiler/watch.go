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
type sourceWatcher struct {
	w  *fsnotify.Watcher
	le *logrus.Entry
	// want are the directories to watch: those of the build files, and
	// those the package patterns name.
	want map[string]bool
	// files are the build files.
	files map[string]bool
	// anyDirs are the directories in which any new file can change the
	// build: they hold embedded files, which an embed pattern may match.
	anyDirs map[string]bool
	// watched are the directories added to w: wanted directories that
	// exist, and ancestors watched for missing ones.
	watched map[string]bool
	// missing maps each wanted directory that does not exist to the
	// ancestor watched in its place ("" if none exists).
	missing map[string]string
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
		want: map[string]bool{}, files: map[string]bool{}, anyDirs: map[string]bool{},
		watched: map[string]bool{}, missing: map[string]string{},
	}, nil
}

// Close stops the watcher.
func (s *sourceWatcher) Close() error {
	return s.w.Close()
}

// set watches exactly the directories holding files, and dirs, whether
// they exist yet or not.
func (s *sourceWatcher) set(files, dirs []string) error {
	s.files = make(map[string]bool, len(files))
	s.want = make(map[string]bool, len(dirs))
	s.anyDirs = map[string]bool{}
	for _, f := range files {
		s.files[f] = true
		dir := filepath.Dir(f)
		s.want[dir] = true
		if base := filepath.Base(f); !analysis.IsSourceName(base) && !isModuleFile(base) {
			s.anyDirs[dir] = true
		}
	}
	for _, d := range dirs {
		s.want[filepath.Clean(d)] = true
	}
	_, err := s.sync()
	return err
}

// sync brings the watches in line with the file system: every wanted
// directory that exists is watched, and for one that does not, its
// nearest existing ancestor. It logs each directory that went missing and
// returns those that came back.
func (s *sourceWatcher) sync() (back []string, err error) {
	var missing map[string]string
	var errs []error
	// A directory created below a missing one's ancestor before that
	// ancestor's watch was added sends no event: look again after adding
	// watches until nothing moved.
	for range 64 {
		errs = nil
		need := map[string]bool{}
		missing = map[string]string{}
		for dir := range s.want {
			if isDir(dir) {
				need[dir] = true
				continue
			}
			anc := existingAncestor(dir)
			missing[dir] = anc
			if anc != "" {
				need[anc] = true
			}
		}
		for dir := range s.watched {
			if !need[dir] {
				// fsnotify may have dropped the watch already.
				_ = s.w.Remove(dir)
				delete(s.watched, dir)
			}
		}
		for _, dir := range slices.Sorted(maps.Keys(need)) {
			// Adding a watched directory again is harmless, and renews a
			// watch fsnotify dropped when the directory went away.
			if err := s.w.Add(dir); err != nil {
				errs = append(errs, fmt.Errorf("watch %s: %w", dir, err))
				continue
			}
			s.watched[dir] = true
		}
		moved := false
		for dir, anc := range missing {
			if isDir(dir) || existingAncestor(dir) != anc {
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(missing)) {
		if _, was := s.missing[dir]; !was {
			s.le.WithField("dir", dir).WithField("watching", missing[dir]).
				Warn("a watched source directory does not exist (removed, renamed away, or not created yet): waiting for it, then rebuilding")
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(s.missing)) {
		if _, still := missing[dir]; !still && s.want[dir] {
			s.le.WithField("dir", dir).Info("a watched source directory is back: rebuilding")
			back = append(back, dir)
		}
	}
	s.missing = missing
	return back, errors.Join(errs...)
}

// handle keeps the watches right after ev and reports whether ev can
// change the build.
func (s *sourceWatcher) handle(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Remove) && !ev.Has(fsnotify.Rename) {
		return false
	}
	if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if s.structural(ev.Name) {
			back, err := s.sync()
			if err != nil {
				s.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
			}
			// A wanted directory that went away took files with it; one
			// that came back brought them.
			if len(back) != 0 || s.want[ev.Name] {
				return true
			}
		}
	}
	dir := filepath.Dir(ev.Name)
	if !s.want[dir] {
		// An event in an ancestor watched for a missing directory.
		return false
	}
	base := filepath.Base(ev.Name)
	switch {
	case s.files[ev.Name]:
		return true
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return false
	case isModuleFile(base), analysis.IsSourceName(base):
		return true
	}
	return s.anyDirs[dir]
}

// structural reports whether an event on name can add or remove a wanted
// directory: name is one, or an ancestor of a missing one.
func (s *sourceWatcher) structural(name string) bool {
	if s.want[name] {
		return true
	}
	for dir := range s.missing {
		if strings.HasPrefix(dir, name+string(filepath.Separator)) {
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
	if _, err := s.sync(); err != nil {
		s.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
	}
}

// next waits for the next relevant change: a relevant file event, with
// its path, or an error of the watcher, with no path (the events it lost
// are not known). It returns nil, nil once stop is closed (a nil stop
// never is), and an error only when ctx ends or the watcher is closed.
func (s *sourceWatcher) next(ctx context.Context, stop <-chan struct{}) (*change, error) {
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
			if s.handle(ev) {
				return &change{path: ev.Name, at: time.Now()}, nil
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

// patternDirs returns the directories that the package patterns name:
// local patterns ("./x", "../y/...", absolute paths) relative to workDir,
// and import path patterns inside the module that holds workDir. They are
// watched even while no package is found there, so a package that appears
// (or a directory that comes back) is built. A "/..." pattern names its
// root only: a package that appears deeper is built at the next change of
// a watched file. Patterns of other modules name no directory.
func patternDirs(workDir string, patterns []string) []string {
	modDir, modPath := enclosingModule(workDir)
	var dirs []string
	for _, p := range patterns {
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
		dirs = append(dirs, filepath.Clean(p))
	}
	return dirs
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
