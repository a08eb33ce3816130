package hot_compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
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
