package hot_loader

import (
	"context"
	"strings"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/logfmt"
)

// stuckExit is the news that the stuck controllers of a dropped build (the
// ones that did not stop within the stop timeout, see drop) have all
// returned at last.
type stuckExit struct {
	// l is the dropped build.
	l *live
	// controllers are the controllers that were stuck.
	controllers []hot_plugin.StuckController
	// after is the time from the drop (their context canceled) to the
	// last one's exit.
	after time.Duration
}

// awaitStuck waits in the background for the stuck controllers of the
// dropped build l to return, on the signal of their exits (tr's
// WaitStopped), until ctx (the loader's run) ends; then it hands the news
// to the loader's goroutine (stuckExited), which owns the records. dropped
// is when the drop began. Nothing waits once ctx has ended; close waits for
// the goroutine.
func (r *run) awaitStuck(ctx context.Context, l *live, tr hot_plugin.ControllerTracker, ctrls []hot_plugin.StuckController, dropped time.Time) {
	if ctx.Err() != nil {
		return
	}
	r.waiters.Go(func() {
		if tr.WaitStopped(ctx) != nil {
			return
		}
		ex := stuckExit{l: l, controllers: ctrls, after: time.Since(dropped)}
		select {
		case r.stuckExits <- ex:
		case <-ctx.Done():
		}
	})
}

// stuckExited logs that the stuck controllers of a dropped build returned
// at last and, if its file's record still names them, clears Stuck: the
// record's state becomes the one the drop gave it (superseded, removed: see
// settle), or stays what it became since (rolled-back). The manifest is
// published.
func (r *run) stuckExited(ctx context.Context, ex stuckExit) {
	l := ex.l
	var names, ids, configIDs []string
	for _, c := range ex.controllers {
		names = append(names, c.ControllerID+" (config "+c.ConfigID+")")
		ids = append(ids, c.ControllerID)
		configIDs = append(configIDs, c.ConfigID)
	}
	r.le.WithField("plugin-path", l.path).
		WithField("binary-id", l.binaryID).
		WithField("binary-version", l.build.BinaryVersion()).
		WithField("controller-ids", ids).
		WithField("config-ids", configIDs).
		WithField("after-drop", logfmt.Duration(ex.after)).
		Infof("stuck controller exited at last: %s returned from Execute %s after the build was dropped; no controller of the build runs any more",
			strings.Join(names, ", "), logfmt.Duration(ex.after))
	f := r.files[l.path]
	if f == nil || f.stuckBy != l {
		// The file's record is of another build since.
		return
	}
	f.stuckBy = nil
	if len(f.record.Stuck) == 0 {
		return
	}
	f.record.Stuck = nil
	if f.record.State == hot_manifest.StateStuck {
		f.record.State = f.unstuck
	}
	r.publish(ctx, true)
}
