package hot_loader

import (
	"context"
	"fmt"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// failure is a controller of a build on the bus that failed to start.
type failure struct {
	l   *live
	err *hot_plugin.ControllerError
}

// controllerFailed is the OnControllerError callback of the build l: it
// logs the controller's own error, every time, and hands the failure to
// the loader's goroutine, which rolls back (see rollback). It runs on a
// controllerbus goroutine and must not block.
func (r *run) controllerFailed(l *live, e *hot_plugin.ControllerError) {
	select {
	case <-l.done:
		// The build already left the bus (a retry racing the drop).
		return
	default:
	}
	r.le.WithError(e.Err).
		WithField("plugin-path", l.path).
		WithField("binary-id", e.BinaryID).
		WithField("binary-version", e.BinaryVersion).
		WithField("config-id", e.ConfigID).
		Errorf("controller %s of plugin %s (version %s) failed to start: %s: %v; fix it and save again",
			e.ConfigID, e.BinaryID, e.BinaryVersion, e.Op, e.Err)
	select {
	case r.failures <- failure{l: l, err: e}:
	default:
		// The loader has failures of this build to handle already.
	}
}

// rollback handles a controller of the build on the bus that failed to
// start: the build is dropped and the build it replaced, whose code is
// still mapped, is put back on the bus, so the host runs the last good
// version; the manifest records the failed build as rolled back. Without a
// previous build the failure is only recorded. The next build of the
// binary ID replaces the restored one as usual.
func (r *run) rollback(ctx context.Context, fl failure) {
	l := fl.l
	defer r.releaseUnused()
	if r.active[l.binaryID] != l {
		// Replaced or dropped since.
		return
	}
	f := r.files[l.path]
	why := fmt.Sprintf("the new build's %s failed: %v", fl.err.ConfigID, fl.err)
	prev := l.prev
	if prev == nil {
		if f != nil && f.live == l {
			f.record.Error = why + "; no previous build to go back to"
			r.publish(ctx, true)
		}
		return
	}
	prevVersion := prev.build.BinaryVersion()
	msg := fmt.Sprintf("rolled back to %s: %s", prevVersion, why)
	le := r.le.WithField("plugin-path", l.path).
		WithField("binary-id", l.binaryID).
		WithField("binary-version", l.build.BinaryVersion()).
		WithField("restored-path", prev.path).
		WithField("restored-version", prevVersion)
	r.drop(ctx, l)
	if f != nil {
		f.record.State = hot_manifest.StateRolledBack
		f.record.Error = msg
	}
	pf := r.files[prev.path]
	var rec hot_manifest.Plugin
	if pf != nil {
		rec = pf.record
	}
	nl, err := r.start(ctx, prev.path, prev.mtime, prev.build, &rec)
	if err != nil {
		le.WithError(err).Errorf("the new build's %s failed, and the previous build %s could not be put back: %v", fl.err.ConfigID, prevVersion, err)
		if f != nil {
			f.record.Error = why + "; putting back " + prevVersion + " failed: " + err.Error()
		}
		r.publish(ctx, true)
		return
	}
	nl.restored = true
	if pf != nil && prev.path != l.path {
		rec.State = hot_manifest.StateLoaded
		rec.Error = ""
		rec.LoadedAt = time.Now()
		pf.record = rec
		pf.live = nl
		r.watchProcess(nl)
	} else if f != nil {
		// The failed build was written over the previous one's path.
		f.live = nl
		r.watchProcess(nl)
	}
	le.Warn(msg)
	r.publish(ctx, true)
}
