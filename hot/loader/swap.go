package hot_loader

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/loader"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/logfmt"
	"github.com/sirupsen/logrus"
)

// StopTimeout bounds how long the loader waits for a dropped build's
// controllers to stop before it goes on (and logs it), and how long a
// reload's log line waits for the new build's first controller.
const StopTimeout = 10 * time.Second

// live is a plugin build whose resolver is on the bus.
type live struct {
	path     string
	mtime    time.Time
	binaryID string
	build    Build
	res      controller.FactoryResolver
	rc       *resolver.Controller
	// done is closed when the build leaves the bus (cancel).
	done    <-chan struct{}
	cancel  context.CancelFunc
	release func()
	// prev is the build of the binary ID this one replaced, to put back if
	// this one's controllers fail to start (see rollback); nil if none.
	prev *live
	// restored is set on a build put back by a rollback: its file may be
	// gone (the compiler removes older builds), and it stays on the bus
	// until a newer build replaces it.
	restored bool
}

// start puts the build bd, from the plugin file at path, on the bus, with
// a context of its own under ctx (the loader's). The new resolver is built
// first, so a build that fails leaves the running one untouched; then the
// running build of the binary ID (and any build from the same path) is
// dropped, and only then the new resolver is added: controllerbus offers
// the host's LoadControllerWithConfig directives to it, so the dropped
// build's controllers come back with the new code and their configs.
// rec, if not nil, gets the build's config IDs.
func (r *run) start(ctx context.Context, path string, mtime time.Time, bd Build, rec *hot_manifest.Plugin) (*live, error) {
	pctx, cancel := context.WithCancel(ctx)
	var res controller.FactoryResolver
	var err error
	if perr := recoverCall(func() { res, err = bd.NewResolver(pctx, r.c.b) }); perr != nil {
		err = perr
	}
	if err == nil && res == nil {
		err = errors.New("NewResolver returned a nil resolver")
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("plugin %s (%s): build its resolver: %w", path, bd.BinaryID(), err)
	}
	if rel, ok := res.(hot_plugin.ControllerTracker); ok && rec != nil {
		rec.ConfigIDs = rel.GetConfigIDs()
	}
	l := &live{
		path:     path,
		mtime:    mtime,
		binaryID: bd.BinaryID(),
		build:    bd,
		res:      res,
		done:     pctx.Done(),
		cancel:   cancel,
	}
	if fr, ok := res.(hot_plugin.FailureReporter); ok {
		fr.OnControllerError(func(e *hot_plugin.ControllerError) { r.controllerFailed(l, e) })
	}

	if old := r.active[bd.BinaryID()]; old != nil {
		r.le.WithField("plugin-path", path).WithField("old-path", old.path).
			Debug("swapping in a new build: stopping the old build's controllers first")
		r.drop(ctx, old)
		if f := r.files[old.path]; f != nil && old.path != path {
			settle(f, hot_manifest.StateSuperseded)
		}
		// Only one step back: the build before the old one is forgotten.
		old.prev = nil
		l.prev = old
	}
	if f := r.files[path]; f != nil && f.live != nil {
		// The file was replaced by a build of another binary ID.
		r.drop(ctx, f.live)
	}

	l.rc = resolver.NewController(r.le.WithField("binary-id", bd.BinaryID()), r.c.b, res)
	l.release, err = r.c.b.AddController(pctx, l.rc, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("plugin %s (%s): add its resolver to the bus: %w", path, bd.BinaryID(), err)
	}
	r.active[bd.BinaryID()] = l
	return l, nil
}

// drop takes a build off the bus, in the order controllerbus needs: cancel
// the plugin's context (its controllers' factories are canceled), remove
// and close the resolver controller, wait for the controllers to stop
// (on the signal of their exits, bounded by StopTimeout), then
// Build.Dropped (in-process: PrePluginUnload; the code stays mapped).
//
// Go can't stop a goroutine: a controller whose Execute ignores its
// context keeps running. After the timeout it is logged by name and the
// file's record gets its name in Stuck (see settle), and the loader goes on.
// Until ctx (the loader's run) ends, the loader waits in the background for
// such controllers to return, and then says so and clears the record (see
// awaitStuck).
func (r *run) drop(ctx context.Context, l *live) {
	le := r.le.WithField("plugin-path", l.path).WithField("binary-id", l.binaryID).
		WithField("binary-version", l.build.BinaryVersion())
	start := time.Now()
	defer func() { r.stopped[l.binaryID] = time.Since(start) }()
	l.cancel()
	l.release()
	_ = l.rc.Close()
	var stuck []string
	var stuckCtrls []hot_plugin.StuckController
	wctx, cancel := context.WithTimeout(context.Background(), r.c.conf.StopTimeout)
	rel, tracked := l.res.(hot_plugin.ControllerTracker)
	if tracked {
		if err := rel.WaitStopped(wctx); err != nil {
			stuck, stuckCtrls = r.logStuck(le, err)
		}
	}
	if len(stuck) == 0 {
		if err := r.waitExecReleased(wctx, l); err != nil {
			le.WithError(err).Warn("the dropped build's controller requests were not released in time; the next build's controllers with the same configs may not start")
		}
	}
	cancel()
	if err := recoverCall(l.build.Dropped); err != nil {
		le.WithError(err).Warn("the dropped build's clean-up (PrePluginUnload) panicked")
	}
	if r.active[l.binaryID] == l {
		delete(r.active, l.binaryID)
	}
	if f := r.files[l.path]; f != nil && f.live == l {
		f.live = nil
		f.record.Stuck = stuck
		f.stuckBy = nil
		if len(stuck) != 0 {
			f.stuckBy = l
		}
	}
	if len(stuck) != 0 {
		r.awaitStuck(ctx, l, rel, stuckCtrls, start)
	}
	le.Debug("build dropped")
}

// releaseUnused releases the builds opened in this run that can't go on
// the bus again: neither on the bus nor the build one there would roll
// back to, oldest first. At the end of the run (active is empty) it
// releases them all.
func (r *run) releaseUnused() {
	keep := make(map[Build]bool)
	for _, l := range r.active {
		keep[l.build] = true
		if l.prev != nil {
			keep[l.prev.build] = true
		}
	}
	var release []Build
	r.opened = slices.DeleteFunc(r.opened, func(bd Build) bool {
		if keep[bd] {
			return false
		}
		release = append(release, bd)
		return true
	})
	for _, bd := range release {
		var err error
		if perr := recoverCall(func() { err = bd.Release() }); perr != nil {
			err = perr
		}
		if err != nil {
			r.le.WithField("binary-id", bd.BinaryID()).WithField("binary-version", bd.BinaryVersion()).
				WithError(err).Warn("could not release a build the loader is done with")
		}
	}
}

// waitExecReleased waits until no ExecController directive on the bus holds
// a factory of the dropped build l (see hot_plugin.FactoryOwner), or ctx
// ends. A build whose controllers stopped has released them already; one
// whose controller failed to construct (and waits to retry) may not have.
func (r *run) waitExecReleased(ctx context.Context, l *live) error {
	owner, ok := l.res.(hot_plugin.FactoryOwner)
	if !ok {
		return nil
	}
	bcast := r.c.b.GetDirectivesBroadcast()
	for {
		var changed <-chan struct{}
		bcast.HoldLock(func(_ func(), getWaitCh func() <-chan struct{}) {
			changed = getWaitCh()
		})
		held := slices.ContainsFunc(r.c.b.GetDirectives(), func(di directive.Instance) bool {
			ec, ok := di.GetDirective().(loader.ExecController)
			return ok && owner.OwnsFactory(ec.GetExecControllerFactory())
		})
		if !held {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ExecController directives of plugin %s still hold its factories: %w", l.path, context.Cause(ctx))
		case <-changed:
		}
	}
}

// logStuck logs the controllers of a dropped build that did not stop in
// time (err from WaitStopped), by name, and returns their names and, if err
// says which they are (a *hot_plugin.StuckError), the controllers.
func (r *run) logStuck(le *logrus.Entry, err error) ([]string, []hot_plugin.StuckController) {
	var names []string
	var ctrls []hot_plugin.StuckController
	var se *hot_plugin.StuckError
	if errors.As(err, &se) {
		ctrls = se.Controllers
		for _, c := range se.Controllers {
			names = append(names, c.String())
		}
	} else {
		names = []string{"(unknown controllers: " + err.Error() + ")"}
	}
	what := "1 controller"
	if len(names) != 1 {
		what = fmt.Sprintf("%d controllers", len(names))
	}
	le.WithField("stuck-controllers", names).
		Warnf("%s of the build did not stop within %v after its context was canceled: %s. Go can't stop a goroutine, so it keeps running beside the next build; make Execute return when its context ends",
			what, r.c.conf.StopTimeout, strings.Join(names, ", "))
	return names, ctrls
}

// settle sets the state of the record of f, whose build left the bus:
// state, or StateStuck if controllers of the build did not stop; then
// state is kept for when they do (see stuckExited).
func settle(f *file, state hot_manifest.State) {
	f.unstuck = state
	if len(f.record.Stuck) != 0 {
		state = hot_manifest.StateStuck
	}
	f.record.State = state
}

// reloadSteps are the times of one reload, from the source change to the
// new build's controllers running.
type reloadSteps struct {
	// build is the new build's manifest, with the trigger and the
	// compiler's step times.
	build *hot_manifest.Build
	// detect is from the publish to the loader starting the load (the
	// compiler's announcement on the bus, or fsnotify and the debounce).
	detect time.Duration
	// by is how the publish was detected: "directive" (announced by a
	// compiler on the bus), "fsnotify", or "" (a scan).
	by string
	// load is the checks, the copy and plugin.Open.
	load time.Duration
	// stop is dropping the old build: its controllers stopped.
	stop time.Duration
	// swap is dropping the old build (if still on the bus) and adding the new
	// resolver.
	swap time.Duration
	// added is when the new resolver was on the bus.
	added time.Time
	// settled is closed when the loader is done with the reconcile that
	// loaded the build; the line is logged after it.
	settled <-chan struct{}
	// startTimeout bounds the wait for the first controller (StopTimeout).
	startTimeout time.Duration
}

// log waits for the first of res's controllers to run and logs the reload
// with the time of each step, in one line. It returns without a word once
// done is closed: the build left the bus.
func (s reloadSteps) log(done <-chan struct{}, le *logrus.Entry, res controller.FactoryResolver) {
	rel, ok := res.(hot_plugin.ControllerTracker)
	if !ok {
		return
	}
	timer := time.NewTimer(s.startTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C:
		le.Infof("reloaded, but no controller of the new build started within %v: does the host's config set use it?", s.startTimeout)
		return
	case <-rel.Executing():
	}
	running := time.Now()
	fields := logrus.Fields{
		"changed-path": s.build.Trigger.Path,
		"total":        logfmt.Duration(running.Sub(s.build.Trigger.Time)),
		"detect":       logfmt.Duration(s.detect),
		"load":         logfmt.Duration(s.load),
		"stop-old":     logfmt.Duration(s.stop),
		"swap":         logfmt.Duration(s.swap),
		"start":        logfmt.Duration(running.Sub(s.added)),
	}
	if s.by != "" {
		fields["detected-by"] = s.by
	}
	if t := s.build.Timings; t != nil {
		fields["analysis"] = logfmt.Duration(t.Analysis)
		fields["codegen"] = logfmt.Duration(t.Codegen)
		fields["build"] = logfmt.Duration(t.Build)
		fields["publish"] = logfmt.Duration(t.Publish)
	}
	if s.settled != nil {
		select {
		case <-done:
			return
		case <-s.settled:
		}
	}
	le.WithFields(fields).Info("reloaded: the new code runs")
}
