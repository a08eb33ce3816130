package hot_loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// dirPollInterval is how often a missing or unsafe plugins directory is
// looked at again.
const dirPollInterval = time.Second

// publishSettle is how long the plugins directory must be quiet after a
// plugin was published (see published) before it is scanned, if the
// debounce is not shorter: enough to take in the removal of older builds
// that follows a publish.
const publishSettle = 15 * time.Millisecond

// errDirGone ends a watch when the plugins directory disappears.
var errDirGone = errors.New("plugins dir disappeared")

// execute runs the loader until ctx ends.
func (r *run) execute(ctx context.Context) error {
	for {
		if err := r.waitDir(ctx); err != nil {
			return nil
		}
		if !r.c.conf.Watch {
			// Scan once, or until a listing succeeds.
			retry := time.NewTimer(0)
			defer retry.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case fl := <-r.failures:
					r.rollback(ctx, fl)
				case ev := <-r.processEvents:
					r.processChanged(ctx, ev)
				case ex := <-r.stuckExits:
					r.stuckExited(ctx, ex)
				case <-retry.C:
					if err := r.reconcile(ctx); err != nil {
						retry.Reset(dirPollInterval)
					}
				}
			}
		}
		err := r.watch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, errDirGone) && r.c.checkDir() == nil {
			// The directory is there: watching it failed (EMFILE, the
			// inotify limits). Poll it meanwhile; drop nothing.
			if msg := err.Error(); msg != r.watchErr {
				r.watchErr = msg
				r.le.WithError(err).Errorf("could not watch the plugins dir; the loaded plugins keep running, and the loader scans it every %v until watching works again. If it goes on, check ulimit -n and the inotify limits (sysctl fs.inotify.max_user_instances, fs.inotify.max_user_watches)", dirPollInterval)
			}
			_ = r.reconcile(ctx) // a failed listing is logged and changes nothing
			r.pause(ctx, dirPollInterval)
			continue
		}
		r.watchErr = ""
		r.le.WithError(err).Warn("stopped watching the plugins dir; waiting for it")
		r.dirOK = false
		_ = r.reconcile(ctx) // dirOK is false: drops everything, never fails
	}
}

// pause waits d or until ctx ends, rolling back failed builds meanwhile.
func (r *run) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case fl := <-r.failures:
			r.rollback(ctx, fl)
		case ev := <-r.processEvents:
			r.processChanged(ctx, ev)
		case ex := <-r.stuckExits:
			r.stuckExited(ctx, ex)
		case <-t.C:
			return
		}
	}
}

// waitDir waits until the plugins directory exists and is safe, logging
// why not once per reason. It returns only ctx's error.
func (r *run) waitDir(ctx context.Context) error {
	var lastMsg string
	for {
		err := r.c.checkDir()
		if err == nil {
			r.dirOK = true
			return nil
		}
		if msg := err.Error(); msg != lastMsg {
			lastMsg = msg
			le := r.le.WithError(err)
			if errors.Is(err, fs.ErrNotExist) {
				le.Warn("plugins dir does not exist; waiting for it")
			} else {
				le.Error("plugins dir refused; waiting for it to be fixed")
			}
		}
		if err := r.pauseDir(ctx); err != nil {
			return err
		}
	}
}

// pauseDir waits dirPollInterval or until ctx ends (its error), recording
// meanwhile stuck controllers that return: the directory is not needed for
// that.
func (r *run) pauseDir(ctx context.Context) error {
	t := time.NewTimer(dirPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ex := <-r.stuckExits:
			r.stuckExited(ctx, ex)
		case <-t.C:
			return nil
		}
	}
}

// watch scans the plugins directory, then scans again each time it has
// been quiet for the debounce duration after a change to a plugin file,
// until ctx ends or the directory disappears.
func (r *run) watch(ctx context.Context) error {
	w, err := r.c.conf.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch the plugins dir %s: %w", r.c.conf.Dir, err)
	}
	defer w.Close()
	if err := w.Add(r.c.conf.Dir); err != nil {
		return fmt.Errorf("watch the plugins dir %s: %w", r.c.conf.Dir, err)
	}
	if r.watchErr != "" {
		r.watchErr = ""
		r.le.Info("watching the plugins dir again")
	}
	// A compiler on the bus announces its publishes (published.go).
	ann := r.announcements()
	defer ann.release()
	debounce := time.NewTimer(r.c.conf.Debounce)
	debounce.Stop()
	if err := r.reconcile(ctx); err != nil {
		// Scan again after the poll interval, even if nothing happens.
		debounce.Reset(dirPollInterval)
	}

	// quick is set while the changes are a compiler's publish: the
	// directory is scanned once it has been quiet for publishSettle.
	quick := false
	settle := min(publishSettle, r.c.conf.Debounce)
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return ctx.Err()
		case ev, ok := <-w.Events:
			if !ok {
				return errDirGone
			}
			if ev.Name == r.c.conf.Dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return errDirGone
			}
			if !ann.announced() && r.published(ev) {
				// Complete by construction: no need to wait the
				// debounce, only for the compiler's removal of older
				// builds right after the publish.
				quick = true
				debounce.Reset(settle)
				continue
			}
			if r.relevant(ev.Name) {
				if quick {
					debounce.Reset(settle)
				} else {
					debounce.Reset(r.c.conf.Debounce)
				}
			}
		case err, ok := <-w.Errors:
			if !ok {
				return errDirGone
			}
			// Events may have been lost: scan again.
			r.le.WithError(err).Warn("watching the plugins dir")
			quick = false
			debounce.Reset(r.c.conf.Debounce)
		case fl := <-r.failures:
			r.rollback(ctx, fl)
		case ev := <-r.processEvents:
			r.processChanged(ctx, ev)
		case ex := <-r.stuckExits:
			r.stuckExited(ctx, ex)
		case <-ann.wait():
			if p := ann.take(r); p != nil {
				r.le.WithField("plugin-path", p.Path).WithField("detected-by", "directive").
					Debug("build published by a compiler on the bus: scanning now")
				if err := r.reconcileFor(ctx, "directive"); err != nil {
					debounce.Reset(dirPollInterval)
				}
			}
		case <-debounce.C:
			quick = false
			if _, err := os.Stat(r.c.conf.Dir); err != nil {
				return errDirGone
			}
			if err := r.reconcileFor(ctx, "fsnotify"); err != nil {
				debounce.Reset(dirPollInterval)
			}
		}
	}
}

// relevant reports whether a change to the file name matters to the
// loader: plugin files and build manifests, not dotfiles (temporary files
// of atomic writes start with a dot) nor the manifest of loaded plugins.
func (r *run) relevant(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	return strings.HasSuffix(base, r.op.Suffix()) || strings.HasSuffix(base, hot_manifest.BuildSuffix)
}

// published reports whether ev is a plugin file appearing as the
// compiler publishes it: renamed into place after its build manifest was
// written, so its modification time is not after the manifest's. Such a
// file is complete and need not wait for the debounce; a plugin file still
// being written (copied in place) is newer than its manifest, and waits.
func (r *run) published(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Create) || !r.isBuildName(filepath.Base(ev.Name)) {
		return false
	}
	pi, err := os.Lstat(ev.Name)
	if err != nil || !pi.Mode().IsRegular() || pi.Size() == 0 {
		return false
	}
	mi, err := os.Stat(hot_manifest.BuildPath(ev.Name))
	if err != nil || !mi.Mode().IsRegular() {
		return false
	}
	return !pi.ModTime().After(mi.ModTime())
}

// isBuildName reports whether a directory entry is a build file: it ends
// in the opener's suffix.
func (r *run) isBuildName(base string) bool {
	suffix := r.op.Suffix()
	return !strings.HasPrefix(base, ".") && strings.HasSuffix(base, suffix) && base != suffix
}
