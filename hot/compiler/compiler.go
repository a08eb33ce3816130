package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"go/constant"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

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
	// runtime caches plugins by path). Older files matching the pattern
	// are removed after a publish. Default:
	// "<BinaryID>-{buildHash}.cbus.so".
	OutputName string
	// BinaryID is the plugin's binary ID: the same for every build.
	// Default: DefaultBinaryID of the first package Packages match
	// ("shop-ctrl-cart" for example.com/shop/ctrl/cart in module
	// example.com/shop).
	BinaryID string
	// BinaryVersion is each build's version; "{buildHash}" is replaced.
	// Default: "{buildHash}".
	BinaryVersion string
	// CodegenDir is where build trees are generated, one directory per
	// build prefix. Package copies that builds share are kept beside it,
	// in CodegenDir + "-units". Default: <user cache dir>/hotbus/codegen.
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
	// Packages are the package patterns of the hot packages; each package
	// must declare NewFactory(b bus.Bus) T with T a controller.Factory.
	Packages []string
	// KeepCodegen keeps the build tree after a build (success or not).
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
	host    *Host
	goTool  *goTool
	binDirs map[string]string
	watch   []string
	// hostPkgs are the packages linked into the host.
	hostPkgs map[string]bool
	// preflight is the host as preflight reads it.
	preflight *preflight.Host
	// built is set after the first go build of this compiler.
	built bool
	// units are the unit dirs of the last published build (units.go).
	units map[string]bool
	// record is the last analysis and the files it was made from
	// (reuse.go).
	record *analysisRecord
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
		opts.OutputName = opts.BinaryID + "-" + BuildHashPlaceholder + hot_plugin.PluginSuffix
	}
	if opts.BinaryVersion == "" {
		opts.BinaryVersion = BuildHashPlaceholder
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
	if !strings.Contains(opts.OutputName, BuildHashPlaceholder) {
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
	host     *Host
	analysis *Analysis
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
			h   *Host
			err error
		)
		if c.opts.HostBinary != "" {
			h, err = ReadHost(c.opts.HostBinary)
		} else {
			h, err = CurrentHost()
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
	flags := pluginFlags(host, c.opts.KeepDebugInfo)
	env := hostEnv(host)
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
	a, reused := c.record.reuse()
	var pre map[string]fileStamp
	if reused {
		c.le.Debug("only declarations the analysis does not use changed: reusing it")
	} else {
		pre = statFiles(c.watch)
		var err error
		if a, err = Analyze(ctx, c.opts.WorkDir, c.opts.Packages, aenv, tags...); err != nil {
			var ae *AnalysisError
			if errors.As(err, &ae) {
				// Watch what was found too, so its fix is seen even
				// when no analysis has succeeded yet.
				c.watch = slices.Compact(slices.Sorted(slices.Values(slices.Concat(c.watch, ae.files))))
			}
			return nil, err
		}
	}
	if c.hostPkgs == nil {
		ph, err := preflightHost(host)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", host.Name(), err)
		}
		pkgs, err := hostPackages(host, ph)
		if err != nil {
			return nil, err
		}
		c.hostPkgs, c.preflight = pkgs, ph
	}
	if !reused {
		a.CopyLocal(func(path string, m *packages.Module) bool {
			return IsLocal(m) && !c.hostPkgs[path]
		})
		c.watch = watchFiles(a)
		c.record = recordAnalysis(a, c.watch, pre)
	}
	pins := hostPins(host)
	hash, err := buildHash(hashInputs{
		goVersion: host.GoVersion, flags: flags, env: env,
		binaryID: c.opts.BinaryID, binaryVersion: c.opts.BinaryVersion,
		pins: pins, analysis: a,
	})
	if err != nil {
		return nil, err
	}
	prefix := c.opts.BuildPrefix + "-" + hash[:prefixHashLen]
	m := &hot_manifest.Build{
		BinaryID:      c.opts.BinaryID,
		BinaryVersion: expandHash(c.opts.BinaryVersion, hash),
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

// generate writes the build tree of p under the codegen dir. With
// shareUnits, the packages that can be are copied as units shared by
// builds (units.go), outside the tree; else the tree holds every copy.
func (c *Compiler) generate(ctx context.Context, p *prepared, shareUnits bool) (*Tree, error) {
	dir := filepath.Join(c.opts.CodegenDir, p.prefix)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("codegen: clear %s: %w", dir, err)
	}
	var units map[string]*Overlay
	if shareUnits {
		var err error
		units, err = planUnits(hashInputs{
			goVersion: p.host.GoVersion, flags: p.flags, env: p.env, pins: p.manifest.HostPins,
		}, p.analysis, unitsDir(c.opts.CodegenDir), c.opts.BuildPrefix)
		if err != nil {
			return nil, err
		}
	}
	var inTree []*HotPackage
	for _, hp := range p.analysis.All() {
		if units[hp.ImportPath] == nil {
			inTree = append(inTree, hp)
		}
	}
	t, err := newTree(dir, p.prefix, inTree)
	if err != nil {
		return nil, err
	}
	t.Units = units
	if err := t.writeOverlays(p.analysis.All()); err != nil {
		return nil, err
	}
	res := &dirResolver{
		host: p.host, workDir: c.opts.WorkDir, explicit: c.opts.HostModuleDir,
		goCmd: c.goTool.path, goroot: c.goTool.goroot, analysis: p.analysis,
		binDirs: c.binDirs, binRan: c.binDirs != nil,
	}
	reqs, err := planModules(p.host, p.analysis, t, func(path, replace string) (string, error) {
		return res.resolve(ctx, path, replace)
	})
	c.binDirs = res.binDirs
	if err != nil {
		return nil, err
	}
	gomod, err := MainGoMod(t.PluginPath, langVersion(p.host.GoVersion), reqs)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
		return nil, err
	}
	spec := MainSpec{BinaryID: c.opts.BinaryID, BinaryVersion: p.manifest.BinaryVersion}
	for _, hp := range p.analysis.Packages {
		spec.Factories = append(spec.Factories, FactoryImport{ImportPath: t.importPathOf(hp.ImportPath), Name: hp.Name})
	}
	src, err := GenerateMain(spec)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(t.MainDir, "plugin.go"), src); err != nil {
		return nil, err
	}
	if p.host.Settings["-trimpath"] == "true" && slices.ContainsFunc(reqs, func(r ModReq) bool { return r.Devel }) {
		// A -trimpath host names the files of its main and workspace
		// modules by import path; only workspace modules are built so.
		if err := fillSums(ctx, c.goTool.path, t, p.flags, buildEnv(p.env, "")); err != nil {
			return nil, err
		}
		gomod, gowork, err := WorkspaceFiles(t.PluginPath, langVersion(p.host.GoVersion), reqs)
		if err != nil {
			return nil, err
		}
		t.GoWork = filepath.Join(t.Dir, "go.work")
		if err := writeFile(filepath.Join(t.MainDir, "go.mod"), gomod); err != nil {
			return nil, err
		}
		if err := writeFile(t.GoWork, gowork); err != nil {
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
	t, err := c.generate(ctx, p, false)
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
func (c *Compiler) BuildFor(ctx context.Context, trigger *hot_manifest.Trigger) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.OutputDir == "" {
		return nil, errors.New("compiler: no output dir given: set the plugins directory to publish to")
	}
	res := &Result{}
	start := time.Now()
	p, err := c.prepare(ctx)
	if err != nil {
		return nil, err
	}
	res.Timings.Analysis = time.Since(start)
	name := expandHash(c.opts.OutputName, p.hash)
	final := filepath.Join(c.opts.OutputDir, name)
	le := c.le.WithField("plugin-path", final).WithField("build-hash", p.hash)
	if prev, err := hot_manifest.ReadBuild(final); err == nil && prev.BuildHash == p.hash {
		if _, err := os.Stat(final); err == nil {
			// The host may have been rebuilt since: the plugin must still fit.
			if err := checkHost(c.preflight, final, final); err == nil {
				le.Debug("plugin is up to date")
				res.PluginPath, res.Build, res.Unchanged = final, prev, true
				return res, nil
			}
			le.Info("published plugin does not fit the host any more, rebuilding")
		}
	}

	start = time.Now()
	t, err := c.generate(ctx, p, true)
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
		le.WithField("codegen-dir", t.Dir).Info("building plugin (the first plugin build on a machine compiles the runtime and every dependency for dynamic linking: 10 s or more)")
		c.built = true
	}
	if err := goBuild(ctx, c.goTool.path, t, p.flags, buildEnv(p.env, t.GoWork), tmp, p.analysis.All(), c.opts.BinaryID); err != nil {
		return nil, err
	}
	res.Timings.Build = time.Since(start)

	start = time.Now()
	if err := verifyPins(p.host, tmp); err != nil {
		return nil, err
	}
	if err := checkHost(c.preflight, tmp, final); err != nil {
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
	if err := publish(tmp, final, &m); err != nil {
		return nil, err
	}
	res.PluginPath, res.Build = final, &m
	// Units this build did not use are for no later build either.
	keep := make(map[string]bool, len(t.Units))
	for _, ov := range t.Units {
		keep[ov.Dir] = true
	}
	removeUnits(unitsDir(c.opts.CodegenDir), c.units, keep)
	if c.units == nil {
		pruneUnits(unitsDir(c.opts.CodegenDir), keep)
	}
	c.units = keep
	if !c.opts.NoCleanup {
		removed, err := cleanup(c.opts.OutputDir, c.opts.OutputName, name)
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

// inModuleCache reports whether path is in the module cache's download
// directory, where nothing is edited.
func inModuleCache(path string) bool {
	sep := string(filepath.Separator)
	return strings.Contains(path, sep+"cache"+sep+"download"+sep)
}

// watchFiles lists the files a change in which calls for a rebuild.
func watchFiles(a *Analysis) []string {
	set := map[string]bool{}
	for _, p := range a.All() {
		for _, f := range p.Files {
			set[f] = true
		}
		if gm := goModOf(p.Module); gm != "" && !inModuleCache(gm) {
			set[gm] = true
			if _, err := os.Stat(strings.TrimSuffix(gm, ".mod") + ".sum"); err == nil {
				set[strings.TrimSuffix(gm, ".mod")+".sum"] = true
			}
		}
	}
	for _, m := range a.Modules {
		if m.Main && m.GoMod != "" {
			set[m.GoMod] = true
		}
	}
	if a.GoWork != "" {
		set[a.GoWork] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// ConfigIDs returns the config IDs the hot packages declare as a string
// constant named ConfigID, sorted.
func (a *Analysis) ConfigIDs() []string {
	var ids []string
	for _, p := range a.Packages {
		if p.ConfigID != "" {
			ids = append(ids, p.ConfigID)
		}
	}
	sort.Strings(ids)
	return ids
}

// constString returns the value of the string constant name in pkg.
func constString(pkg *packages.Package, name string) string {
	c, ok := pkg.Types.Scope().Lookup(name).(*types.Const)
	if !ok || c.Val().Kind() != constant.String {
		return ""
	}
	return constant.StringVal(c.Val())
}
