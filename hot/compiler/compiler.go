package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	io "io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/preflight"
	"github.com/sirupsen/logrus"
)

// Compiler builds plugins from a fixed set of options. Build and Codegen
// may be called many times (not concurrently: calls are serialized); the
// host's build info and the go command are read once.
type Compiler struct {
	opts Options
	le   *logrus.Entry

	mu      sync.Mutex
	host    *hostpins.Host
	goTool  *goTool
	binDirs map[string]string
	watch   []string
	// hostPkgs are the packages linked into the host.
	hostPkgs map[string]bool
	// preflight is the host as preflight reads it.
	preflight *preflight.Host
	// built is set after the first go build of this compiler.
	built bool
	// units are the unit dirs of the last published build, and those
	// of earlier builds not removed yet (codegen/units.go).
	units map[string]bool
	// pruned is set once stale units of other processes were pruned.
	pruned bool
	// swept is set once what killed compilers left was removed
	// (workdir.go).
	swept bool
	// record is the last analysis and the files it was made from
	// (analysis/reuse.go).
	record *analysis.Record
	// writeManifest writes the build manifest when publishing; nil is
	// atomicfile.WriteFile. Tests inject failures here.
	writeManifest func(path string, data []byte, perm os.FileMode) error
	// onPublish, if set, is called as soon as a build is in place, before
	// older builds are cleaned up: the controller announces it on the bus.
	onPublish func(path string, b *hot_manifest.Build)
}

// NewCompiler validates opts and fills in defaults. Without a BinaryID
// it lists the packages (go list -find) to derive one, until ctx ends.
func NewCompiler(ctx context.Context, opts Options) (*Compiler, error) {
	if len(opts.Packages) == 0 {
		return nil, errors.New("compiler: no packages given: list the package patterns of the hot controller packages")
	}
	if opts.WorkDir == "" {
		opts.WorkDir = "."
	}
	var err error
	if opts.WorkDir, err = filepath.Abs(opts.WorkDir); err != nil {
		return nil, fmt.Errorf("compiler: work dir: %w", err)
	}
	if err := checkTarget("Target", opts.Target); err != nil {
		return nil, fmt.Errorf("compiler: %w", err)
	}
	opts.Target = targetOrDefault(opts.Target)
	if err := checkNames(opts.BinaryID, opts.OutputName, "BinaryID", "OutputName", opts.Target); err != nil {
		return nil, fmt.Errorf("compiler: %w", err)
	}
	if opts.BinaryID == "" {
		if opts.BinaryID, err = findBinaryID(ctx, opts.GoCommand, opts.WorkDir, opts.Packages); err != nil {
			return nil, err
		}
		if err := checkNames(opts.BinaryID, opts.OutputName, "BinaryID", "OutputName", opts.Target); err != nil {
			return nil, fmt.Errorf("compiler: derived binary ID: %w", err)
		}
	}
	if opts.OutputDir != "" {
		if opts.OutputDir, err = filepath.Abs(opts.OutputDir); err != nil {
			return nil, fmt.Errorf("compiler: output dir: %w", err)
		}
	}
	if opts.OutputName == "" {
		opts.OutputName = opts.BinaryID + "-" + codegen.BuildHashPlaceholder + targetSuffix(opts.Target)
	}
	if opts.BinaryVersion == "" {
		opts.BinaryVersion = codegen.BuildHashPlaceholder
	}
	if opts.BuildPrefix == "" {
		opts.BuildPrefix = DefaultBuildPrefix
	}
	if strings.ContainsAny(opts.BuildPrefix, "/.\\ @") {
		return nil, fmt.Errorf("compiler: build prefix %q must be one import path element without dots", opts.BuildPrefix)
	}
	if opts.CodegenDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("compiler: no codegen dir given and no user cache dir: %w", err)
		}
		opts.CodegenDir = filepath.Join(cache, "hotbus", "codegen")
	}
	if opts.CodegenDir, err = filepath.Abs(opts.CodegenDir); err != nil {
		return nil, fmt.Errorf("compiler: codegen dir: %w", err)
	}
	if opts.HostBinary != "" {
		if opts.HostBinary, err = filepath.Abs(opts.HostBinary); err != nil {
			return nil, fmt.Errorf("compiler: host binary: %w", err)
		}
	}
	le := opts.Logger
	if le == nil {
		l := logrus.New()
		l.Out = io.Discard
		le = logrus.NewEntry(l)
	}
	le = le.WithField("binary-id", opts.BinaryID)
	c := &Compiler{opts: opts, le: le}
	if !strings.Contains(opts.OutputName, codegen.BuildHashPlaceholder) {
		le.WithField("output-name", opts.OutputName).
			Warn("output name has no {buildHash}: a new build can't be loaded into a process that loaded the old one from the same path")
	}
	return c, nil
}

// Codegen analyzes the packages and writes the build tree without
// building it. The tree is kept at Result.CodegenDir.
func (c *Compiler) Codegen(ctx context.Context) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := &Result{}
	start := time.Now()
	p, err := c.prepare(ctx)
	if err != nil {
		return nil, err
	}
	res.Timings.Analysis = time.Since(start)
	start = time.Now()
	// The tree is kept at a stable path, for the user to read.
	dir := filepath.Join(c.opts.CodegenDir, p.prefix)
	if err := owned.Remove(dir); err != nil {
		return nil, err
	}
	if err := owned.Create(dir); err != nil {
		return nil, fmt.Errorf("codegen: create the build tree %s: %w", dir, err)
	}
	var t *codegen.Tree
	if c.opts.Target == TargetProcess {
		t, err = c.generateChild(ctx, p, dir)
	} else {
		t, err = c.generate(ctx, p, dir, false)
	}
	if err != nil {
		return nil, err
	}
	res.Timings.Codegen = time.Since(start)
	res.CodegenDir, res.Build = t.Dir, p.manifest
	return res, nil
}

// Build analyzes the packages, generates the build tree, builds the
// plugin, checks it against the host and publishes it with its build
// manifest, then removes older builds. When the plugin for the same build
// hash is already published, nothing is rebuilt (Result.Unchanged).
// Compile errors are a *BuildError; canceling ctx stops the go command.
func (c *Compiler) Build(ctx context.Context) (*Result, error) {
	return c.BuildFor(ctx, nil)
}

// BuildFor is Build for a source change: trigger is recorded in the build
// manifest, so the loader can log the time from the change to the new
// code running.
//
// A build that fails for a reason outside the user's code says what it
// is: a *DiskFullError (naming the directory whose device is full) or a
// *NameTooLongError (naming the file, its length and the limit).
func (c *Compiler) BuildFor(ctx context.Context, trigger *hot_manifest.Trigger) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res, err := c.buildFor(ctx, trigger)
	if err != nil {
		// The go command's $WORK is in the build's tree.
		return nil, c.classify(err, c.opts.CodegenDir)
	}
	return res, nil
}

// buildFor is BuildFor, with c.mu held. It runs the steps of a build in
// order: analysis (prepare), up to date?, generate, build, verify,
// publish, clean up. Each step records its time in the result.
func (c *Compiler) buildFor(ctx context.Context, trigger *hot_manifest.Trigger) (*Result, error) {
	if c.opts.OutputDir == "" {
		return nil, errors.New("compiler: no output dir given: set the plugins directory to publish to")
	}
	if !c.swept {
		c.sweep()
		c.swept = true
	}
	res := &Result{}
	start := time.Now()
	p, err := c.prepare(ctx)
	if err != nil {
		return nil, err
	}
	res.Timings.Analysis = time.Since(start)
	out := c.outputOf(p)
	if prev := c.upToDate(p, out); prev != nil {
		res.PluginPath, res.Build, res.Unchanged = out.final, prev, true
		return res, nil
	}

	start = time.Now()
	b, err := c.generateBuild(ctx, p)
	if b != nil {
		defer b.close()
		if c.opts.KeepCodegen {
			res.CodegenDir = b.tree.Dir
		}
	}
	if err != nil {
		return nil, err
	}
	res.Timings.Codegen = time.Since(start)

	start = time.Now()
	tmp, err := c.compile(ctx, p, b.tree, out)
	if tmp != "" {
		defer os.Remove(tmp)
	}
	if err != nil {
		return nil, err
	}
	res.Timings.Build = time.Since(start)

	start = time.Now()
	if err := c.verify(p, tmp, out.final); err != nil {
		return nil, err
	}
	m, err := c.publishBuild(p, tmp, out.final, trigger, res.Timings, start)
	if err != nil {
		return nil, err
	}
	res.PluginPath, res.Build = out.final, m
	if c.onPublish != nil {
		c.onPublish(out.final, m)
	}
	res.Removed = c.cleanUp(b, out)
	res.Timings.Publish = time.Since(start)
	out.le.WithField("build-dur", res.Timings.Build.String()).Debug("published " + c.buildKind())
	return res, nil
}

// WatchFiles returns, after a Build or Codegen, the files whose change
// calls for a rebuild: every file of the hot packages and the go.mod,
// go.sum and go.work files of their modules, absolute and sorted.
func (c *Compiler) WatchFiles() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.watch...)
}
