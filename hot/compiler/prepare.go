package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"golang.org/x/tools/go/packages"
)

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
// and computes the build hash. The process target reads no host
// (prepareChild).
func (c *Compiler) prepare(ctx context.Context) (*prepared, error) {
	if c.opts.Target == TargetProcess {
		return c.prepareChild(ctx)
	}
	host, err := c.readHost(ctx)
	if err != nil {
		return nil, err
	}
	flags := hostpins.PluginFlags(host, c.opts.KeepDebugInfo)
	env := hostpins.Env(host)
	a, reused, pre, err := c.analyze(ctx, flags, env)
	if err != nil {
		return nil, err
	}
	if err := c.readHostPackages(host); err != nil {
		return nil, err
	}
	if !reused {
		a.CopyLocal(func(path string, m *packages.Module) bool {
			return analysis.IsLocal(m) && !c.hostPkgs[path]
		})
		c.watch = analysis.WatchFiles(a)
		c.record = analysis.NewRecord(a, c.watch, pre)
	}
	return c.hashed(host, host.GoVersion, hostpins.Pins(host), a, flags, env)
}

// readHost reads the host's build info and finds the go command of its Go
// version, once per compiler.
func (c *Compiler) readHost(ctx context.Context) (*hostpins.Host, error) {
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
	if c.goTool == nil {
		t, err := findGo(ctx, c.opts.GoCommand, c.host.GoVersion)
		if err != nil {
			return nil, err
		}
		c.goTool = t
	}
	return c.host, nil
}

// analyze returns the analysis of the hot packages with the host's build
// flags and environment: the previous one (reused) when no edit since can
// change it, else a new one, with the stamps of the watched files from
// before it ran. A failed analysis adds the files it found to the watch.
func (c *Compiler) analyze(ctx context.Context, flags, env []string) (_ *analysis.Analysis, reused bool, pre analysis.Stamps, _ error) {
	c.le.WithField("packages", strings.Join(c.opts.Packages, " ")).Debug("analyzing hot packages")
	if a, ok := c.record.Reuse(); ok {
		c.le.Debug("only declarations the analysis does not use changed: reusing it")
		return a, true, nil, nil
	}
	pre = analysis.StatFiles(c.watch)
	// A go command killed mid-run (a change cancels the analysis) can't
	// remove its $WORK: it makes it in a dir of hotbus's, not in the OS
	// temp dir, removed here or, after a crash, by the sweep.
	gotmp, err := createGoTmpDir(c.opts.CodegenDir)
	if err != nil {
		return nil, false, nil, err
	}
	defer func() { _ = owned.Remove(gotmp) }()
	// The analysis runs the build's go command, and compiles its export
	// data with the build's own flags (-buildmode=plugin included), so a
	// cold first build compiles each dependency once, for the analysis
	// and the build alike, not twice.
	a, err := analysis.Analyze(ctx, c.opts.WorkDir, c.opts.Packages, analysis.Options{
		GoCommand:  c.goTool.path,
		Env:        append(append([]string{"GOTOOLCHAIN=local", "GOPROXY=off"}, env...), "GOTMPDIR="+gotmp),
		BuildFlags: flags,
		Isolate:    isolateBuild,
	})
	if err != nil {
		var ae *analysis.AnalysisError
		if errors.As(err, &ae) {
			// Watch what was found too, so its fix is seen even
			// when no analysis has succeeded yet.
			c.watch = slices.Compact(slices.Sorted(slices.Values(slices.Concat(c.watch, ae.Files()))))
		}
		return nil, false, nil, err
	}
	return a, false, pre, nil
}

// readHostPackages reads, once per compiler, the host as the preflight
// sees it and the packages linked into it.
func (c *Compiler) readHostPackages(host *hostpins.Host) error {
	if c.hostPkgs != nil {
		return nil
	}
	ph, err := hostpins.PreflightHost(host)
	if err != nil {
		return fmt.Errorf("host %s: %w", host.Name(), err)
	}
	pkgs, err := hostpins.LinkedPackages(host, ph)
	if err != nil {
		return err
	}
	c.hostPkgs, c.preflight = pkgs, ph
	return nil
}

// hashed computes the build hash of the analysis a, built by goVersion
// with flags and env, pinned to pins (the host's, for a plugin; none for
// a child executable, whose host is nil), and returns the prepared build,
// with its build manifest.
func (c *Compiler) hashed(host *hostpins.Host, goVersion string, pins []hot_manifest.Pin, a *analysis.Analysis, flags, env []string) (*prepared, error) {
	in := codegen.HashInputs{
		GoVersion: goVersion, Flags: flags, Env: env,
		BinaryID: c.opts.BinaryID, BinaryVersion: c.opts.BinaryVersion,
		Pins: pins, Analysis: a, CodegenDir: c.opts.CodegenDir,
	}
	if c.opts.Target != TargetPlugin {
		in.Target = c.opts.Target
	}
	hash, err := codegen.BuildHash(in)
	if err != nil {
		return nil, err
	}
	prefix := c.opts.BuildPrefix + "-" + hash[:codegen.PrefixHashLen]
	m := &hot_manifest.Build{
		BinaryID:      c.opts.BinaryID,
		BinaryVersion: codegen.ExpandHash(c.opts.BinaryVersion, hash),
		BuildHash:     hash,
		Target:        c.opts.Target,
		BuildPrefix:   prefix,
		GoVersion:     goVersion,
		Flags:         append(append([]string{}, flags...), env...),
		HostPins:      pins,
		ConfigIDs:     a.ConfigIDs(),
	}
	if c.opts.Target == TargetProcess {
		// The hot packages are built under their own import paths.
		m.BuildPrefix = ""
	}
	for _, p := range a.Packages {
		m.Packages = append(m.Packages, p.ImportPath)
	}
	return &prepared{host: host, analysis: a, hash: hash, prefix: prefix, flags: flags, env: env, manifest: m}, nil
}
