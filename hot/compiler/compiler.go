package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/preflight"
	"github.com/sirupsen/logrus"
	"golang.org/x/tools/go/packages"
)

// DefaultBuildPrefix is the first element of the per-build import-path
// prefix when Options.BuildPrefix is empty.
const DefaultBuildPrefix = "hotbus"

// Options configure a Compiler. Only Packages and OutputDir (for Build)
// are required.
type Options struct {
	// WorkDir is where the package patterns resolve: a directory in a Go
	// module or workspace. Default: the current directory.
	WorkDir string
	// OutputDir is the plugins directory builds are published to.
	OutputDir string
	// OutputName is the plugin file name; it must end in .cbus.so and
	// should contain "{buildHash}" so every build has its own file (the Go
	// runtime caches plugins by path). Older builds are removed after a
	// publish: files matching the pattern whose build manifest says this
	// binary ID and build hash published them (other files are kept).
	// Every file name the compiler makes from it, temporary names
	// included, must fit in 255 bytes (NAME_MAX): NewCompiler checks,
	// which limits a default output name's binary ID to 195 bytes.
	// Default: "<BinaryID>-{buildHash}.cbus.so".
	OutputName string
	// BinaryID is the plugin's binary ID: the same for every build.
	// Default: DefaultBinaryID of the first package Packages match
	// ("shop-ctrl-cart" for example.com/shop/ctrl/cart in module
	// example.com/shop).
	BinaryID string
	// BinaryVersion is each build's version; "{buildHash}" is replaced.
	// Default: "{buildHash}".
	BinaryVersion string
	// CodegenDir is where build trees are generated: each build in a
	// directory of its own ("build-<pid>-<random>", removed after the
	// build), so processes sharing the codegen dir never write the same
	// tree; Codegen writes "<build prefix>" and keeps it. Package copies
	// that builds share are kept inside it, in CodegenDir/units, written
	// atomically and removed only under a lock no build of any process
	// holds. Every directory hotbus creates there holds a
	// ".hotbus-owned" marker file; hotbus deletes only such directories
	// (and, inside them, what it named), never a directory of the user's.
	// Default: <user cache dir>/hotbus/codegen.
	CodegenDir string
	// BuildPrefix is the first element of the per-build import-path
	// prefix "<BuildPrefix>-<hash>". Default: DefaultBuildPrefix.
	BuildPrefix string
	// HostBinary is the host executable the plugin must load into.
	// Default: this process.
	HostBinary string
	// HostModuleDir is the source directory of the host's main module when
	// the host was built from source ("(devel)"). Default: found from the
	// work dir (go list -m) or from the host binary's file paths.
	HostModuleDir string
	// KeepDebugInfo keeps the DWARF debug info in the plugins, for a
	// debugger. By default a plugin is linked with -ldflags=-w after the
	// host's own -ldflags: no DWARF, a faster link and a smaller file;
	// panics still print file:line, and the plugin loads into a host
	// linked with DWARF.
	KeepDebugInfo bool
	// GoCommand is the go command. Default: "go" on PATH. Its version must
	// be the host's.
	GoCommand string
	// Progress, if set, is called as a plugin's go build goes on: each
	// time a package starts to compile, when the packages the build
	// compiles are counted (after a second, or at once when it compiles
	// the Go runtime), and once when the go build ends (Finished). It is
	// called from the build's goroutines, one call at a time per build,
	// and must return quickly. The compiler also logs the progress of a
	// build that runs longer than a few seconds, and says so when it
	// compiles the runtime (a cold build cache).
	Progress func(BuildProgress)
	// Packages are the package patterns of the hot packages; each package
	// must declare NewFactory(b bus.Bus) T with T a controller.Factory.
	Packages []string
	// KeepCodegen keeps the build tree after a build (success or not),
	// at Result.CodegenDir, while this process runs: a later compiler
	// removes the trees of processes that are gone.
	KeepCodegen bool
	// NoCleanup keeps older builds in the output dir.
	NoCleanup bool
	// Logger receives progress logs. Default: a logger that discards.
	Logger *logrus.Entry
}

// Result is the outcome of a Build or Codegen.
type Result struct {
	// PluginPath is the published plugin (Build only).
	PluginPath string
	// CodegenDir is the build tree, if it was kept.
	CodegenDir string
	// Build is the build manifest.
	Build *hot_manifest.Build
	// Unchanged is true when a plugin with the same build hash was
	// already published and nothing was rebuilt.
	Unchanged bool
	// Removed are older builds removed from the output dir.
	Removed []string
	// Timings are how long each step took.
	Timings Timings
}

// Timings are the durations of a build's steps.
type Timings struct {
	// Analysis covers loading the packages and reading the host.
	Analysis time.Duration
	// Codegen covers writing the build tree.
	Codegen time.Duration
	// Build is the go build.
	Build time.Duration
	// Publish covers verification, publishing and cleanup.
	Publish time.Duration
}

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
	// of earlier builds not removed yet (units.go).
	units map[string]bool
	// pruned is set once stale units of other processes were pruned.
	pruned bool
	// swept is set once what killed compilers left was removed
	// (workdir.go).
	swept bool
	// record is the last analysis and the files it was made from
	// (reuse.go).
	record *analysis.Record
	// writeManifest writes the build manifest when publishing; nil is
	// atomicfile.WriteFile. Tests inject failures here.
	writeManifest func(path string, data []byte, perm os.FileMode) error
}

// NewCompiler validates opts and fills in defaults.
func NewCompiler(opts Options) (*Compiler, error) {
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
	if err := checkNames(opts.BinaryID, opts.OutputName, "BinaryID", "OutputName"); err != nil {
		return nil, fmt.Errorf("compiler: %w", err)
	}
	if opts.BinaryID == "" {
		if opts.BinaryID, err = findBinaryID(opts.GoCommand, opts.WorkDir, opts.Packages); err != nil {
			return nil, err
		}
		if err := checkNames(opts.BinaryID, opts.OutputName, "BinaryID", "OutputName"); err != nil {
			return nil, fmt.Errorf("compiler: derived binary ID: %w", err)
		}
	}
	if opts.OutputDir != "" {
		if opts.OutputDir, err = filepath.Abs(opts.OutputDir); err != nil {
			return nil, fmt.Errorf("compiler: output dir: %w", err)
		}
	}
	if opts.OutputName == "" {
		opts.OutputName = opts.BinaryID + "-" + codegen.BuildHashPlaceholder + hot_plugin.PluginSuffix
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
		l.Out = discard{}
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

// Options returns the options with defaults filled in.
func (c *Compiler) Options() Options {
	return c.opts
}

// discard is an io.Writer that drops everything.
type discard struct{}

// Write drops p.
func (discard) Write(p []byte) (int, error) { return len(p), nil }

// prepared is a build's analysis and everything derived from it.
type prepared struct {
	host     *hostpins.Host
	analysis *analysis.Analysis
	hash     string
	prefix   string
	flags    []string
	env      []string
	manifest *hot_manifest.Build
}

// prepare reads the host, checks the go command, analyzes the packages
// and computes the build hash.
func (c *Compiler) prepare(ctx context.Context) (*prepared, error) {
	if c.host == nil {
		var (
			h   *hostpins.Host
			err error
		)
		if c.opts.HostBinary != "" {
			h, err = hostpins.ReadHost(c.opts.HostBinary)
		} else {
			h, err = hostpins.CurrentHost()
		}
		if err != nil {
			return nil, err
		}
		c.host = h
	}
	host := c.host
	if c.goTool == nil {
		t, err := findGo(ctx, c.opts.GoCommand, host.GoVersion)
		if err != nil {
			return nil, err
		}
		c.goTool = t
	}
	flags := hostpins.PluginFlags(host, c.opts.KeepDebugInfo)
	env := hostpins.Env(host)
	c.le.WithField("packages", strings.Join(c.opts.Packages, " ")).Debug("analyzing hot packages")
	var tags []string
	for _, f := range flags {
		if strings.HasPrefix(f, "-tags=") {
			tags = append(tags, f)
		}
	}
	aenv := append([]string{"GOTOOLCHAIN=local", "GOPROXY=off"}, env...)
	if c.opts.GoCommand != "" {
		// go/packages runs "go" from PATH: put the chosen one first.
		aenv = append(aenv, "PATH="+filepath.Dir(c.goTool.path)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	a, reused := c.record.Reuse()
	var pre analysis.Stamps
	if reused {
		c.le.Debug("only declarations the analysis does not use changed: reusing it")
	} else {
		pre = analysis.StatFiles(c.watch)
		var err error
		if a, err = analysis.Analyze(ctx, c.opts.WorkDir, c.opts.Packages, aenv, tags...); err != nil {
			var ae *analysis.AnalysisError
			if errors.As(err, &ae) {
				// Watch what was found too, so its fix is seen even
				// when no analysis has succeeded yet.
				c.watch = slices.Compact(slices.Sorted(slices.Values(slices.Concat(c.watch, ae.Files()))))
			}
			return nil, err
		}
	}
	if c.hostPkgs == nil {
		ph, err := hostpins.PreflightHost(host)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", host.Name(), err)
		}
		pkgs, err := hostpins.LinkedPackages(host, ph)
		if err != nil {
			return nil, err
		}
		c.hostPkgs, c.preflight = pkgs, ph
	}
	if !reused {
		a.CopyLocal(func(path string, m *packages.Module) bool {
			return analysis.IsLocal(m) && !c.hostPkgs[path]
		})
		c.watch = analysis.WatchFiles(a)
		c.record = analysis.NewRecord(a, c.watch, pre)
	}
	pins := hostpins.Pins(host)
	hash, err := codegen.BuildHash(codegen.HashInputs{
		GoVersion: host.GoVersion, Flags: flags, Env: env,
		BinaryID: c.opts.BinaryID, BinaryVersion: c.opts.BinaryVersion,
		Pins: pins, Analysis: a,
	})
	if err != nil {
		return nil, err
	}
	prefix := c.opts.BuildPrefix + "-" + hash[:codegen.PrefixHashLen]
	m := &hot_manifest.Build{
		BinaryID:      c.opts.BinaryID,
		BinaryVersion: codegen.ExpandHash(c.opts.BinaryVersion, hash),
		BuildHash:     hash,
		BuildPrefix:   prefix,
		GoVersion:     host.GoVersion,
		Flags:         append(append([]string{}, flags...), env...),
		HostPins:      pins,
		ConfigIDs:     a.ConfigIDs(),
	}
	for _, p := range a.Packages {
		m.Packages = append(m.Packages, p.ImportPath)
	}
	return &prepared{host: host, analysis: a, hash: hash, prefix: prefix, flags: flags, env: env, manifest: m}, nil
}

// generate writes the build tree of p into dir, a new dir of hotbus's
// (owned.go). With shareUnits, the packages that can be are copied as
// units shared by builds (units.go), outside the tree, into the units dir,
// which the caller has made sure of and holds the shared lock of; else
// the tree holds every copy. A tree that fails is removed, unless
// KeepCodegen.
func (c *Compiler) generate(ctx context.Context, p *prepared, dir string, shareUnits bool) (_ *codegen.Tree, err error) {
	defer func() {
		if err != nil && !c.opts.KeepCodegen {
			_ = os.RemoveAll(dir)
		}
	}()
	var units map[string]*codegen.Overlay
	if shareUnits {
		units, err = codegen.PlanUnits(codegen.HashInputs{
			GoVersion: p.host.GoVersion, Flags: p.flags, Env: p.env, Pins: p.manifest.HostPins,
		}, p.analysis, codegen.UnitsDir(c.opts.CodegenDir), c.opts.BuildPrefix)
		if err != nil {
			return nil, err
		}
	}
	var inTree []*analysis.HotPackage
	for _, hp := range p.analysis.All() {
		if units[hp.ImportPath] == nil {
			inTree = append(inTree, hp)
		}
	}
	t := codegen.NewTree(dir, p.prefix, inTree)
	t.Units = units
	if err := t.WriteOverlays(p.analysis.All()); err != nil {
		return nil, err
	}
	res := &hostpins.DirResolver{
		Host: p.host, WorkDir: c.opts.WorkDir, HostModuleDir: c.opts.HostModuleDir,
		GoCmd: c.goTool.path, GOROOT: c.goTool.goroot, Analysis: p.analysis,
		BinaryDirs: c.binDirs,
	}
	hostReqs, vp, err := hostpins.Plan(p.host, p.analysis, func(path, replace string) (string, error) {
		return res.Resolve(ctx, path, replace)
	})
	c.binDirs = res.BinaryDirs
	if err != nil {
		return nil, err
	}
	if vp != nil {
		if err := t.WriteVendorOverlay(vp); err != nil {
			return nil, err
		}
	}
	reqs, err := codegen.Requirements(p.host, p.analysis, t, hostReqs)
	if err != nil {
		return nil, err
	}
	gomod, err := hostpins.MainGoMod(t.PluginPath, hostpins.LangVersion(p.host.GoVersion), reqs)
	if err != nil {
		return nil, err
	}
	if err := codegen.WriteFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
		return nil, err
	}
	spec := codegen.MainSpec{BinaryID: c.opts.BinaryID, BinaryVersion: p.manifest.BinaryVersion}
	for _, hp := range p.analysis.Packages {
		spec.Factories = append(spec.Factories, codegen.FactoryImport{ImportPath: t.ImportPathOf(hp.ImportPath), Name: hp.Name})
	}
	src, err := codegen.GenerateMain(spec)
	if err != nil {
		return nil, err
	}
	if err := codegen.WriteFile(filepath.Join(t.MainDir, "plugin.go"), src); err != nil {
		return nil, err
	}
	if p.host.Settings["-trimpath"] == "true" && slices.ContainsFunc(reqs, func(r hostpins.ModReq) bool { return r.Devel }) {
		// A -trimpath host names the files of its main and workspace
		// modules by import path; only workspace modules are built so.
		if err := fillSums(ctx, c.goTool.path, t, p.flags, buildEnv(p.env, "")); err != nil {
			return nil, err
		}
		gomod, gowork, err := hostpins.WorkspaceFiles(t.PluginPath, codegen.MainDirName, hostpins.LangVersion(p.host.GoVersion), reqs)
		if err != nil {
			return nil, err
		}
		t.GoWork = filepath.Join(t.Dir, "go.work")
		if err := codegen.WriteFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
			return nil, err
		}
		if err := codegen.WriteFile(t.GoWork, gowork); err != nil {
			return nil, err
		}
	}
	return t, nil
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
	t, err := c.generate(ctx, p, dir, false)
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

// buildFor is BuildFor, with c.mu held.
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
	name := codegen.ExpandHash(c.opts.OutputName, p.hash)
	final := filepath.Join(c.opts.OutputDir, name)
	le := c.le.WithField("plugin-path", final).WithField("build-hash", p.hash)
	// Only a regular build manifest of sane size is read (publishedBy): a
	// FIFO there must not block the compiler.
	if prev, ok := publishedBy(final, c.opts.BinaryID, c.opts.OutputName); ok && prev.BuildHash == p.hash {
		if _, err := os.Stat(final); err == nil {
			// The host may have been rebuilt since: the plugin must still fit.
			if err := hostpins.CheckHost(c.preflight, final, final); err == nil {
				le.Debug("plugin is up to date")
				res.PluginPath, res.Build, res.Unchanged = final, prev, true
				return res, nil
			}
			le.Info("published plugin does not fit the host any more, rebuilding")
		}
	}

	start = time.Now()
	units := codegen.UnitsDir(c.opts.CodegenDir)
	if err := owned.Ensure(units, "units dir"); err != nil {
		return nil, err
	}
	// Hold the units this build writes or reuses until its go build is
	// done: no other build removes them meanwhile (lock.go).
	inUse, err := codegen.LockUnits(units, false, true)
	if err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	release := sync.OnceFunc(inUse.Unlock)
	defer release()
	dir, err := newBuildDir(c.opts.CodegenDir)
	if err != nil {
		return nil, err
	}
	t, err := c.generate(ctx, p, dir, true)
	if t != nil {
		if c.opts.KeepCodegen {
			res.CodegenDir = t.Dir
		} else {
			defer os.RemoveAll(t.Dir)
		}
	}
	if err != nil {
		return nil, err
	}
	res.Timings.Codegen = time.Since(start)

	if err := os.MkdirAll(c.opts.OutputDir, 0o755); err != nil {
		return nil, fmt.Errorf("compiler: create output dir: %w", err)
	}
	tmp, err := tempOutput(c.opts.OutputDir, name)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	start = time.Now()
	if c.built {
		le.WithField("codegen-dir", t.Dir).Debug("building plugin")
	} else {
		// A build that compiles the runtime says so (progress.go).
		le.WithField("codegen-dir", t.Dir).Info("building plugin")
		c.built = true
	}
	gotmp := goTmpDir(t)
	if err := os.Mkdir(gotmp, 0o755); err != nil {
		return nil, fmt.Errorf("codegen: %w", err)
	}
	env := append(buildEnv(p.env, t.GoWork), "GOTMPDIR="+gotmp)
	if err := goBuild(ctx, c.goTool.path, t, p.flags, env, tmp, p.analysis.All(), c.opts.BinaryID, le, c.opts.Progress); err != nil {
		return nil, err
	}
	res.Timings.Build = time.Since(start)

	start = time.Now()
	if err := hostpins.VerifyPins(p.host, tmp); err != nil {
		return nil, err
	}
	if err := hostpins.CheckHost(c.preflight, tmp, final); err != nil {
		return nil, err
	}
	m := *p.manifest
	m.Trigger = trigger
	m.Timings = &hot_manifest.Timings{
		Analysis: res.Timings.Analysis,
		Codegen:  res.Timings.Codegen,
		Build:    res.Timings.Build,
		Publish:  time.Since(start),
	}
	m.PublishedAt = time.Now()
	if err := publish(tmp, final, &m, c.writeManifest); err != nil {
		return nil, err
	}
	res.PluginPath, res.Build = final, &m
	c.dropUnits(units, t, release)
	if !c.opts.NoCleanup {
		removed, err := cleanup(c.opts.OutputDir, c.opts.BinaryID, c.opts.OutputName, name)
		res.Removed = removed
		if err != nil {
			le.WithError(err).Warn("removing older builds failed")
		}
	}
	res.Timings.Publish = time.Since(start)
	le.WithField("build-dur", res.Timings.Build.String()).Debug("published plugin")
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
