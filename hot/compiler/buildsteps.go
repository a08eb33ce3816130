package hot_compiler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// output is where a build is published.
type output struct {
	// name is the plugin file name, final its path in the output dir.
	name, final string
	// le logs about this build.
	le *logrus.Entry
}

// outputOf returns where the build p is published.
func (c *Compiler) outputOf(p *prepared) output {
	name := codegen.ExpandHash(c.opts.OutputName, p.hash)
	final := filepath.Join(c.opts.OutputDir, name)
	return output{name: name, final: final, le: c.le.WithField("plugin-path", final).WithField("build-hash", p.hash)}
}

// upToDate returns the build manifest of the plugin already published
// for p's build hash, if it is there and still fits the host, else nil.
// Only a regular build manifest of sane size is read (publishedBy): a
// FIFO there must not block the compiler.
func (c *Compiler) upToDate(p *prepared, out output) *hot_manifest.Build {
	prev, ok := publishedBy(out.final, c.opts.BinaryID, c.opts.OutputName)
	if !ok || prev.BuildHash != p.hash {
		return nil
	}
	if _, err := os.Stat(out.final); err != nil {
		return nil
	}
	if c.opts.Target == TargetProcess {
		// A child matches no host: the same hash is the same build.
		out.le.Debug("child executable is up to date")
		return prev
	}
	// The host may have been rebuilt since: the plugin must still fit.
	if err := hostpins.CheckHost(c.preflight, out.final, out.final); err != nil {
		out.le.Info("published plugin does not fit the host any more, rebuilding")
		return nil
	}
	out.le.Debug("plugin is up to date")
	return prev
}

// buildTree is the generated tree of a build in progress, and the lock
// on the units it uses.
type buildTree struct {
	tree *codegen.Tree
	// units is the units dir.
	units string
	// release drops the shared lock on the units dir; it may be called
	// more than once.
	release func()
	// remove removes the tree, unless it is kept.
	remove func()
	// unlockTree ends this build's turn on its tree dir (lockBuildDir),
	// once the tree is removed.
	unlockTree func()
}

// close releases what the build held: the tree and the units lock.
func (b *buildTree) close() {
	b.remove()
	b.unlockTree()
	b.release()
}

// generateBuild writes the build tree of p into a new build dir, with
// the units it shares with other builds, and holds the units it writes
// or reuses until close (lock.go in codegen): no other build removes
// them meanwhile. On error, the returned buildTree, if not nil, must still
// be closed.
func (c *Compiler) generateBuild(ctx context.Context, p *prepared) (*buildTree, error) {
	if c.opts.Target == TargetProcess {
		return c.generateChildBuild(ctx, p)
	}
	units := codegen.UnitsDir(c.opts.CodegenDir)
	if err := owned.Ensure(units, "units dir"); err != nil {
		return nil, err
	}
	inUse, err := codegen.LockUnits(units, false, true)
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	b := &buildTree{units: units, release: sync.OnceFunc(inUse.Unlock), remove: func() {}}
	dir, unlockDir, err := lockBuildDir(c.opts.CodegenDir, p.hash)
	if err != nil {
		b.release()
		return nil, err
	}
	b.unlockTree = unlockDir
	t, err := c.generate(ctx, p, dir, true)
	if t == nil {
		unlockDir()
		b.release()
		return nil, err
	}
	b.tree = t
	if !c.opts.KeepCodegen {
		b.remove = func() { _ = os.RemoveAll(t.Dir) }
	}
	return b, err
}

// generateChildBuild is generateBuild for the process target: a child
// executable shares no units, so it holds no lock.
func (c *Compiler) generateChildBuild(ctx context.Context, p *prepared) (*buildTree, error) {
	dir, unlockDir, err := lockBuildDir(c.opts.CodegenDir, p.hash)
	if err != nil {
		return nil, err
	}
	b := &buildTree{release: func() {}, remove: func() {}, unlockTree: unlockDir}
	if !c.opts.KeepCodegen {
		b.remove = func() { _ = os.RemoveAll(dir) }
	}
	t, err := c.generateChild(ctx, p, dir)
	if err != nil {
		b.remove()
		unlockDir()
		return nil, err
	}
	b.tree = t
	return b, nil
}

// compile runs go build of the tree t into a temporary file in the
// output dir and returns its path; the caller removes it, also on error.
func (c *Compiler) compile(ctx context.Context, p *prepared, t *codegen.Tree, out output) (string, error) {
	if err := os.MkdirAll(c.opts.OutputDir, 0o755); err != nil {
		return "", fmt.Errorf("compiler: create output dir: %w", err)
	}
	tmp, err := tempOutput(c.opts.OutputDir, out.name)
	if err != nil {
		return "", err
	}
	if c.built {
		out.le.WithField("codegen-dir", t.Dir).Debug("building " + c.buildKind())
	} else {
		// A build that compiles the runtime says so (progress.go).
		out.le.WithField("codegen-dir", t.Dir).Info("building " + c.buildKind())
		c.built = true
	}
	gotmp := goTmpDir(t)
	if err := os.Mkdir(gotmp, 0o755); err != nil {
		return tmp, fmt.Errorf("codegen: %w", err)
	}
	env := append(buildEnv(p.env, t.GoWork), "GOTMPDIR="+gotmp)
	err = goBuild(ctx, c.goTool.path, t, p.flags, env, tmp, p.analysis.All(), c.opts.BinaryID, out.le, c.opts.Progress)
	if err != nil && c.opts.Target == TargetProcess {
		var be *BuildError
		var me *MissingModuleError
		switch {
		case errors.As(err, &be):
			err = cmp.Or(childModuleError(c.opts.WorkDir, t, be.Output), err)
		case errors.As(err, &me):
			err = cmp.Or(childModuleError(c.opts.WorkDir, t, me.Output), err)
		}
	}
	return tmp, err
}

// buildKind names what the compiler builds, for its log lines.
func (c *Compiler) buildKind() string {
	if c.opts.Target == TargetProcess {
		return "child executable"
	}
	return "plugin"
}

// verify checks the built plugin at tmp against the host: its module
// versions, then whether the host would load it (preflight). A child
// executable (the process target) is not checked: it runs in a process
// of its own.
func (c *Compiler) verify(p *prepared, tmp, final string) error {
	if c.opts.Target == TargetProcess {
		// The child is its own process: nothing to match.
		return nil
	}
	if err := hostpins.VerifyPins(p.host, tmp); err != nil {
		return err
	}
	return hostpins.CheckHost(c.preflight, tmp, final)
}

// publishBuild publishes the plugin at tmp as final with its build
// manifest, which records trigger and the timings of the steps so far
// (publishing began at publishStart), and returns the manifest.
func (c *Compiler) publishBuild(p *prepared, tmp, final string, trigger *hot_manifest.Trigger, t Timings, publishStart time.Time) (*hot_manifest.Build, error) {
	m := *p.manifest
	m.Trigger = trigger
	m.Timings = &hot_manifest.Timings{
		Analysis: t.Analysis,
		Codegen:  t.Codegen,
		Build:    t.Build,
		Publish:  time.Since(publishStart),
	}
	m.PublishedAt = time.Now()
	if err := publish(tmp, final, &m, c.writeManifest); err != nil {
		return nil, err
	}
	return &m, nil
}

// cleanUp runs after a publish: it drops the units this process no
// longer uses (dropUnits) and, unless NoCleanup, removes the older builds
// of the output pattern, which it returns. A failure to remove is logged:
// the build is published.
func (c *Compiler) cleanUp(b *buildTree, out output) []string {
	if b.units != "" {
		c.dropUnits(b.units, b.tree, b.release)
	}
	if c.opts.NoCleanup {
		return nil
	}
	removed, err := cleanup(c.opts.OutputDir, c.opts.BinaryID, c.opts.OutputName, out.name)
	if err != nil {
		out.le.WithError(err).Warn("removing older builds failed")
	}
	return removed
}
