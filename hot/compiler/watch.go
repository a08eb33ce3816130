package hot_compiler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// change is a source change that asks for a rebuild.
type change struct {
	// path is the first file that changed.
	path string
	// at is when its event arrived.
	at time.Time
}

// sourceWatcher watches the directories of a compiler's watch files and
// reports changes to Go sources and go.mod, go.sum and go.work files in them.
// Directories are watched rather than files, so editors that save by writing
// a temporary file and renaming it over the source are seen.
type sourceWatcher struct {
	w    *fsnotify.Watcher
	dirs map[string]bool
}

// newSourceWatcher starts an fsnotify watcher with no directories.
func newSourceWatcher() (*sourceWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch sources: %w", err)
	}
	return &sourceWatcher{w: w, dirs: make(map[string]bool)}, nil
}

// Close stops the watcher.
func (s *sourceWatcher) Close() error {
	return s.w.Close()
}

// set watches exactly the directories holding files.
func (s *sourceWatcher) set(files []string) error {
	want := make(map[string]bool, len(files))
	for _, f := range files {
		want[filepath.Dir(f)] = true
	}
	for dir := range s.dirs {
		if !want[dir] {
			_ = s.w.Remove(dir)
			delete(s.dirs, dir)
		}
	}
	for dir := range want {
		if s.dirs[dir] {
			continue
		}
		if err := s.w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", dir, err)
		}
		s.dirs[dir] = true
	}
	return nil
}

// relevant reports whether an event on name can change the build.
func relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	switch base {
	case "go.mod", "go.sum", "go.work", "go.work.sum":
		return true
	}
	return strings.HasSuffix(base, ".go")
}

// settle returns once no relevant event has arrived for quiet.
func (s *sourceWatcher) settle(ctx context.Context, quiet time.Duration) error {
	timer := time.NewTimer(quiet)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-timer.C:
			return nil
		case ev, ok := <-s.w.Events:
			if !ok {
				return fmt.Errorf("watch sources: watcher closed")
			}
			if relevant(ev) {
				timer.Reset(quiet)
			}
		case err, ok := <-s.w.Errors:
			if !ok {
				return fmt.Errorf("watch sources: watcher closed")
			}
			return fmt.Errorf("watch sources: %w", err)
		}
	}
}

// one waits for one relevant event.
func (s *sourceWatcher) one(ctx context.Context) (change, error) {
	for {
		select {
		case <-ctx.Done():
			return change{}, context.Cause(ctx)
		case ev, ok := <-s.w.Events:
			if !ok {
				return change{}, fmt.Errorf("watch sources: watcher closed")
			}
			if relevant(ev) {
				return change{path: ev.Name, at: time.Now()}, nil
			}
		case err, ok := <-s.w.Errors:
			if !ok {
				return change{}, fmt.Errorf("watch sources: watcher closed")
			}
			return change{}, fmt.Errorf("watch sources: %w", err)
		}
	}
}

// during waits for a relevant change while a build runs: it returns the
// change, or nil once done is closed. It returns an error only when ctx ends
// or the watcher fails.
func (s *sourceWatcher) during(ctx context.Context, done <-chan struct{}) (*change, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-done:
			return nil, nil
		case ev, ok := <-s.w.Events:
			if !ok {
				return nil, fmt.Errorf("watch sources: watcher closed")
			}
			if relevant(ev) {
				return &change{path: ev.Name, at: time.Now()}, nil
			}
		case err, ok := <-s.w.Errors:
			if !ok {
				return nil, fmt.Errorf("watch sources: watcher closed")
			}
			return nil, fmt.Errorf("watch sources: %w", err)
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
