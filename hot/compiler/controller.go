package hot_compiler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/aperturerobotics/util/ccontainer"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/logfmt"
	"github.com/sirupsen/logrus"
)

// ControllerID is the ID of the compiler controller.
const ControllerID = "hotbus/compiler"

// ControllerDescription is the compiler controller's description in its
// controller info.
const ControllerDescription = "hot plugin compiler"

// Version is the compiler controller version.
var Version = controller.MustParseVersion("0.0.1")

// Controller builds the configured packages into a plugin and publishes it
// into the output directory; with watch, it rebuilds on every source change.
//
// Lifecycle: Execute builds once. Without watch it then returns nil. With
// watch it waits for a change, debounces, and builds again; a change during
// a build cancels it and starts again from the new state. Every file that
// goes into the build is watched (Go and cgo sources, embedded files, the
// go.mod, go.sum and go.work files), and the directories the package
// patterns name, whether they exist yet or not; a watched directory that is removed or renamed away is logged
// at warn and waited for, and its return triggers a build. A "/..."
// pattern's whole tree is watched, as the go command matches it (not
// testdata, vendor, "."- and "_"-prefixed directories, nested modules), and
// directories created in it later: a package added to the tree, or
// removed from it, is built in or left out at once, and the change of the
// set of hot packages is logged at info. A failed build is
// logged with the compiler's output and publishes nothing, so the running
// version stays. Execute returns when its context ends.
//
// Each publish is announced on the bus as it happens: the controller
// resolves hot_manifest.WatchPublished for its output directory with the
// latest publish, so a loader of that directory on the same bus scans it
// at once instead of waiting for the filesystem.
type Controller struct {
	le   *logrus.Entry
	b    bus.Bus
	conf *Config
	// outDir is the output directory as WatchPublished names it.
	outDir string
	// published is the latest publish, for WatchPublished.
	published *ccontainer.CContainer[*hot_manifest.Published]
}

// NewController constructs a compiler controller.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	return &Controller{
		le:        le,
		b:         b,
		conf:      conf,
		outDir:    hot_manifest.CleanDir(conf.GetOutputDir()),
		published: ccontainer.NewCContainer[*hot_manifest.Published](nil),
	}, nil
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, ControllerDescription)
}

// HandleDirective resolves WatchPublished for the output directory with
// the latest publish, replaced on each new one.
func (c *Controller) HandleDirective(_ context.Context, di directive.Instance) ([]directive.Resolver, error) {
	if d, ok := di.GetDirective().(hot_manifest.WatchPublished); ok && c.outDir != "" && d.WatchPublishedDir() == c.outDir {
		return directive.R(directive.NewWatchableResolver[*hot_manifest.Published](c.published), nil)
	}
	return nil, nil
}

// announce is the compiler's onPublish: it hands the publish of path to
// the resolvers of WatchPublished.
func (c *Controller) announce(path string, b *hot_manifest.Build) {
	c.published.SetValue(&hot_manifest.Published{
		Path:        path,
		BinaryID:    b.BinaryID,
		BuildHash:   b.BuildHash,
		PublishedAt: b.PublishedAt,
	})
}

// Execute builds, and with watch rebuilds on change, until ctx ends.
// A configuration the compiler can't work with is returned as an error.
func (c *Controller) Execute(ctx context.Context) error {
	comp, err := NewCompiler(ctx, c.conf.ToOptions(c.le))
	if err != nil {
		return err
	}
	comp.onPublish = c.announce
	if !c.conf.GetWatch() {
		c.build(ctx, comp, change{})
		return nil
	}
	debounce, err := c.conf.ParseDebounceDur()
	if err != nil {
		return err
	}
	w, err := newSourceWatcher(c.le)
	if err != nil {
		return err
	}
	defer w.Close()
	w.ignoreInTrees(comp.opts.CodegenDir, comp.opts.OutputDir)
	err = c.watch(ctx, comp, w, debounce)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// watch is the build loop of Execute with watch on.
func (c *Controller) watch(ctx context.Context, comp *Compiler, w *sourceWatcher, debounce time.Duration) error {
	var trigger change
	// hot are the hot packages of the last build that succeeded, once
	// one has.
	var hot []string
	// The directories the patterns name are watched from the start: a
	// package added to a "/..." tree during the first build is seen.
	if err := w.set(nil, patternDirs(comp.opts.WorkDir, comp.opts.Packages)); err != nil {
		c.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
	}
	for {
		if w.takeReanalyze() {
			comp.forgetAnalysis()
		}
		started := time.Now()
		buildCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		var built *hot_manifest.Build
		go func() {
			defer close(done)
			built = c.build(buildCtx, comp, trigger)
		}()
		pending, err := w.next(ctx, done)
		cancel()
		<-done
		if err != nil {
			return err
		}
		if built != nil {
			if hot != nil {
				logHotPackages(c.le, hot, built.Packages)
			}
			hot = append([]string{}, built.Packages...)
		}
		if pending != nil {
			c.le.WithField("path", pending.path).Info("source changed during the build: building again")
		}
		files := comp.WatchFiles()
		opts := comp.opts
		if err := w.set(files, patternDirs(opts.WorkDir, opts.Packages)); err != nil {
			c.le.WithError(err).Warn("can't watch every source directory: some changes may be missed")
		}
		if pending == nil {
			// A file the build found may have changed before its directory
			// was watched (always the case for the first build).
			pending = changedSince(files, started)
		}
		if pending == nil {
			if pending, err = w.next(ctx, nil); err != nil {
				return err
			}
		}
		if err := w.settle(ctx, debounce); err != nil {
			return err
		}
		trigger = *pending
		c.le.WithField("path", trigger.path).Debug("source changed: rebuilding")
	}
}

// logHotPackages logs at info how the hot packages changed from old to
// now, if they did: a package added to or removed from a "/..." pattern's
// tree is built in or left out, and the user sees it was.
func logHotPackages(le *logrus.Entry, old, now []string) {
	added := slices.DeleteFunc(slices.Clone(now), func(p string) bool { return slices.Contains(old, p) })
	removed := slices.DeleteFunc(slices.Clone(old), func(p string) bool { return slices.Contains(now, p) })
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	le = le.WithField("packages", len(now))
	var parts []string
	if len(added) != 0 {
		parts = append(parts, "added "+strings.Join(added, " "))
		le = le.WithField("packages-added", strings.Join(added, " "))
	}
	if len(removed) != 0 {
		parts = append(parts, "removed "+strings.Join(removed, " "))
		le = le.WithField("packages-removed", strings.Join(removed, " "))
	}
	le.Info("hot packages changed: " + strings.Join(parts, ", "))
}

// build runs one build, logs its outcome and returns its build manifest;
// nil if it failed or was canceled. A failure leaves the published
// plugin, and so the running version, in place.
func (c *Controller) build(ctx context.Context, comp *Compiler, trigger change) *hot_manifest.Build {
	var t *hot_manifest.Trigger
	if trigger.path != "" {
		t = &hot_manifest.Trigger{Path: trigger.path, Time: trigger.at}
	}
	res, err := comp.BuildFor(ctx, t)
	if ctx.Err() != nil {
		if err == nil {
			// Published before a change canceled it.
			return res.Build
		}
		return nil
	}
	if err != nil {
		var be *BuildError
		var ae *analysis.AnalysisError
		switch {
		case errors.As(err, &be):
			c.le.Errorf("compile failed; nothing was published, the running version (if any) stays. Fix the code and save again.\n%s", be.Output)
			return nil
		case errors.As(err, &ae):
			c.le.Errorf("compile failed; nothing was published, the running version (if any) stays. Fix the code and save again.\n%s", ae.Error())
			return nil
		}
		c.le.WithError(err).Error("build failed; nothing was published, the running version (if any) stays")
		return nil
	}
	le := c.le.WithField("plugin-path", res.PluginPath)
	if res.Unchanged {
		le.Debug("sources unchanged: plugin is up to date")
		return res.Build
	}
	le = le.WithFields(logrus.Fields{
		"binary-version": res.Build.BinaryVersion,
		"analysis":       logfmt.Duration(res.Timings.Analysis),
		"codegen":        logfmt.Duration(res.Timings.Codegen),
		"build":          logfmt.Duration(res.Timings.Build),
		"publish":        logfmt.Duration(res.Timings.Publish),
	})
	if trigger.path == "" {
		le.Info(comp.buildKind() + " published")
		return res.Build
	}
	// The loader logs the reload, with these timings, once the new code runs.
	le.WithField("changed-path", trigger.path).
		WithField("since-change", logfmt.Duration(time.Since(trigger.at))).
		Debug(comp.buildKind() + " published")
	return res.Build
}

// Close releases nothing: Execute cleans up before it returns.
func (c *Controller) Close() error {
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
