package hot_loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// run is the state of one Execute of the loader. Only the Execute goroutine
// touches it.
type run struct {
	c  *Loader
	op Opener
	// noun names op's builds in logs and errors: "plugin" or "child
	// executable" (see buildNoun).
	noun string
	le   *logrus.Entry
	// tmpDir is the private directory for the copies the loader opens.
	tmpDir string
	seq    int
	// dirOK is set while the plugins directory exists and is safe.
	dirOK bool
	// watchErr is the last error setting up the watch of the plugins dir,
	// logged once; "" while watching works.
	watchErr string
	// files are the plugin files seen, by path (removed ones stay).
	files map[string]*file
	// active is the build on the bus, by binary ID.
	active map[string]*live
	// stopped is how long dropping a build of a binary ID took in this
	// reconcile, for the reload log line of the build that replaces it.
	stopped map[string]time.Duration
	// failures are controllers of builds on the bus that failed to
	// start, for rollback.
	failures chan failure
	// processEvents are changes of ProcessBuilds on the bus (see
	// watchProcess).
	processEvents chan processEvent
	// stuckExits are dropped builds whose stuck controllers returned at
	// last (see awaitStuck).
	stuckExits chan stuckExit
	// waiters counts the goroutines of awaitStuck; close waits for them.
	waiters sync.WaitGroup
	// opened are the builds op opened in this run and not yet released,
	// oldest first, so that they are released in a predictable order (see
	// releaseUnused).
	opened []Build
	// settled is closed when the current reconcile has published the
	// manifest: a reload's log line waits for it, so that once it is
	// logged the loader is done with the plugins dir.
	settled chan struct{}
	// detectedBy is how the change the current reconcile applies was
	// detected, for the reload log line ("" for a plain scan).
	detectedBy string
}

// file is what the loader knows of one plugin file.
type file struct {
	path   string
	stamp  stamp
	record hot_manifest.Plugin
	// live is the build from this file while it is on the bus.
	live *live
	// stuckBy is the dropped build whose stuck controllers record.Stuck
	// names, nil if none.
	stuckBy *live
	// unstuck is the state settle gave the record, before stuck
	// controllers made it StateStuck: the state once they return.
	unstuck hot_manifest.State
}

// stamp identifies one version of a file: it changes when a new build is
// written to the path (in place or by rename).
type stamp struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

// statStamp returns the stamp of the file at path (following symlinks).
func (c *Loader) statStamp(path string) (stamp, error) {
	st, err := c.conf.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	s := stamp{size: st.Size(), mtime: st.ModTime()}
	s.dev, s.ino = fileID(st)
	return s, nil
}

// candidate is a plugin file to load.
type candidate struct {
	path  string
	stamp stamp
	build *hot_manifest.Build
}

// reconcile brings the bus in line with the plugins directory: removed
// files are dropped, new and changed files are loaded, oldest first, so the
// newest build of each binary ID wins. The manifest is published if
// anything changed. If the directory can't be listed, nothing changes: the
// error is logged and returned, and the caller scans again later. So with
// a plugin file that can't be stat'ed (other than for not existing): its
// build is left as it is.
func (r *run) reconcile(ctx context.Context) error {
	settled := make(chan struct{})
	r.settled = settled
	defer close(settled)
	clear(r.stopped)
	present := make(map[string]stamp)
	var statErr error
	if r.dirOK {
		entries, err := r.c.conf.ReadDir(r.c.conf.Dir)
		if err != nil {
			// An empty listing would drop every plugin: change nothing.
			err = fmt.Errorf("list the plugins dir %s: %w", r.c.conf.Dir, err)
			r.le.WithError(err).Errorf("could not list the plugins dir; nothing was changed, the loaded plugins keep running, and the loader tries again in %v. If it goes on, check the process's open file limit (ulimit -n) and the device", dirPollInterval)
			return err
		}
		for _, e := range entries {
			if !r.isBuildName(e.Name()) {
				continue
			}
			path := filepath.Join(r.c.conf.Dir, e.Name())
			s, err := r.c.statStamp(path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				// A dangling symlink or a file removed meanwhile.
				r.le.WithField("plugin-path", path).WithError(err).Debug("skipping plugin file")
				continue
			case err != nil:
				// EIO, EMFILE...: the file is there, its state unknown.
				// Leave its build as it is, and scan again later.
				r.le.WithField("plugin-path", path).WithError(err).
					Errorf("could not stat a plugin file; its build is left as it is, and the loader tries again in %v", dirPollInterval)
				statErr = fmt.Errorf("stat plugin %s: %w", path, err)
				if f := r.files[path]; f != nil {
					s = f.stamp
				} else {
					continue
				}
			}
			present[path] = s
		}
	}

	changed := false
	var todo []candidate
	for path, s := range present {
		if f := r.files[path]; f != nil && f.stamp == s && f.record.State != hot_manifest.StateRemoved {
			// The compiler may write the build manifest after the plugin.
			if f.record.BuildHash == "" && f.record.State == hot_manifest.StateLoaded {
				if b, err := hot_manifest.ReadBuild(path); err == nil && b.BuildHash != "" {
					f.record.BuildHash = b.BuildHash
					changed = true
				}
			}
			continue
		}
		cand := candidate{path: path, stamp: s}
		b, err := hot_manifest.ReadBuild(path)
		switch {
		case err == nil:
			cand.build = b
		case !errors.Is(err, fs.ErrNotExist):
			// The plugin still loads; only what its manifest says is
			// unknown (its build hash, and whether it is a reload).
			r.le.WithField("plugin-path", path).WithError(err).Warn("build manifest beside the plugin ignored")
		}
		todo = append(todo, cand)
	}
	slices.SortFunc(todo, func(a, b candidate) int {
		if c := a.stamp.mtime.Compare(b.stamp.mtime); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})

	// A removed file whose binary ID has a new build waiting (the
	// compiler removes the old build right after it publishes the new)
	// stays on the bus until the new build replaces it: that is a reload,
	// the old build is superseded, and it is the one to go back to if the
	// new build's controllers fail to start.
	successor := make(map[string]bool)
	for _, cand := range todo {
		if cand.build != nil && cand.build.BinaryID != "" {
			successor[cand.build.BinaryID] = true
		}
	}
	changed = r.dropRemoved(ctx, present, successor) || changed

	for i, cand := range todo {
		if newer := newerBuild(todo[i+1:], cand); newer != "" {
			// The build manifests say a newer build of the same binary
			// is waiting: don't map code that would be dropped at once.
			r.supersededUnopened(cand, newer)
		} else {
			r.load(ctx, cand)
		}
		changed = true
	}
	// Removed files whose successor did not replace them.
	changed = r.dropRemoved(ctx, present, nil) || changed
	r.releaseUnused()
	if changed {
		r.publish(ctx, true)
	}
	return statErr
}

// dropRemoved drops the builds of files not present any more and records
// them removed, except those put back by a rollback and those whose binary
// ID is in successor. It reports whether a record changed. ctx is the
// loader's run (see drop).
func (r *run) dropRemoved(ctx context.Context, present map[string]stamp, successor map[string]bool) bool {
	changed := false
	for _, path := range slices.Sorted(maps.Keys(r.files)) {
		f := r.files[path]
		if _, ok := present[path]; ok || f.record.State == hot_manifest.StateRemoved {
			continue
		}
		if l := f.live; l != nil {
			if l.restored || successor[l.binaryID] {
				// Put back by a rollback after its file was removed (it
				// runs until a newer build replaces it), or about to be
				// replaced.
				continue
			}
			r.le.WithField("plugin-path", path).WithField("binary-id", l.binaryID).
				Info("plugin file removed, and no new build of its binary ID replaces it: stopping its controllers")
			r.drop(ctx, l)
		}
		if f.record.State == hot_manifest.StateLoaded || f.record.State == hot_manifest.StateFailed || f.record.State == "" {
			settle(f, hot_manifest.StateRemoved)
			changed = true
		}
	}
	return changed
}

// newerBuild returns the path of a later candidate with the same binary ID
// as cand according to the build manifests, or "".
func newerBuild(later []candidate, cand candidate) string {
	if cand.build == nil || cand.build.BinaryID == "" {
		return ""
	}
	for _, l := range later {
		if l.build != nil && l.build.BinaryID == cand.build.BinaryID {
			return l.path
		}
	}
	return ""
}

// supersededUnopened records cand as superseded by a newer file without
// opening it.
func (r *run) supersededUnopened(cand candidate, newer string) {
	f := r.fileFor(cand)
	f.record.BinaryID = cand.build.BinaryID
	f.record.BinaryVersion = cand.build.BinaryVersion
	f.record.BuildHash = cand.build.BuildHash
	f.record.State = hot_manifest.StateSuperseded
	f.record.Error = ""
	r.le.WithField("plugin-path", cand.path).WithField("newer-path", newer).
		Debug("plugin superseded by a newer build before it was loaded")
}

// fileFor returns the file record for cand, keeping what is known of the
// build running from that path, and updates its stamp.
func (r *run) fileFor(cand candidate) *file {
	f := r.files[cand.path]
	if f == nil {
		f = &file{path: cand.path, record: hot_manifest.Plugin{Path: cand.path}}
		r.files[cand.path] = f
	}
	f.stamp = cand.stamp
	return f
}

// close drops every plugin and deletes the private directory, once ctx
// (the loader's run) has ended. A stuck controller is not waited for any
// more: the manifest keeps it stuck. No goroutine of the run is left.
func (r *run) close(ctx context.Context) {
	for _, id := range slices.Sorted(maps.Keys(r.active)) {
		l := r.active[id]
		r.drop(ctx, l)
		if f := r.files[l.path]; f != nil && f.live == nil {
			settle(f, hot_manifest.StateRemoved)
			f.record.Error = "loader stopped"
		}
	}
	if len(r.files) != 0 {
		// The host is shutting down: tell watchers, but leave the file
		// (the directory may be going away too).
		r.publish(context.Background(), false)
	}
	r.releaseUnused()
	// ctx has ended: the waiters for stuck controllers return.
	r.waiters.Wait()
	if err := os.RemoveAll(r.tmpDir); err != nil {
		r.le.WithError(err).Warn("could not remove the private directory of plugin copies")
	}
}
