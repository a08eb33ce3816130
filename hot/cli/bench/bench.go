// Package hot_cli_bench measures hotbus's edit-to-running loop against what a user
// would otherwise do, on this machine: the go build floor, a full
// rebuild-and-restart, cold first builds, and the memory and goroutines a
// reload costs. "hot-builder bench" runs it; BENCHMARKS.md explains the
// figures.
//
// Every scenario is a temp module generated from the hotbus repository's
// fixtures (the go.mod of hot/testdata/reload, so only the module cache is
// used) with a plain plugin main (floor/) and a static host (host/)
// importing the same controller packages. The scenarios: demo (the
// hot-demo's package), synN (N generated controller packages: the scale
// curve), wideN (one generated package of N files) and service (a
// controller using gRPC, x/net and protobuf, and a 30 MB static host
// from testdata/service that links a service's dependencies and warms a
// cache for a second before it is ready). The bench edits one line of one
// package (a constant the controller logs when it starts) and times:
//
//   - (a) the floor: go build -buildmode=plugin of floor/, with the host's
//     flags, after the edit;
//   - (b) a reload: from os.WriteFile of the edit to the new controller's
//     Execute in a live host in this process (loader and compiler on one
//     bus, from a config set YAML);
//   - (c) a restart: go build of host/ after the edit, then running it
//     until every controller has run;
//   - (d) cold first builds with an empty GOCACHE: hotbus's (hot-builder
//     compile) and a plain go build -buildmode=plugin;
//   - (e) this process's RSS and goroutines after 1, 10 and 50 reloads, and
//     the plugin file size;
//   - the no-op: the same content saved again, until the compiler decides
//     nothing changed.
package hot_cli_bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"time"
)

// Options configure Run. The zero value runs nothing: set Repo and Runs.
type Options struct {
	// Repo is the hotbus repository the fixtures are read from.
	Repo string
	// Runs is how many timed runs (a), (c) and the no-op get per scenario;
	// (b) gets max(Runs, Reloads).
	Runs int
	// Reloads is how many reloads the live host does for (b) and (e).
	Reloads int
	// ColdRuns is how many cold builds (d) does per scenario and side;
	// 0 skips (d).
	ColdRuns int
	// Scenarios names the scenarios to run: "demo", "service", "synN"
	// (N generated packages, one edited), "wideN" (one generated package
	// of N files), or "syn" (SynPackages generated packages).
	Scenarios []string
	// SynPackages is the size of the scenario named "syn". Default 20.
	SynPackages int
	// Self is the command line of hot-builder, for the cold hotbus build
	// (run with its own GOCACHE). Empty skips hotbus's side of (d).
	Self []string
	// TempDir is where the bench's work dirs are made. Default: os.TempDir.
	TempDir string
	// Keep keeps the work dirs.
	Keep bool
	// Progress receives one line per step. Default: discarded.
	Progress io.Writer
}

// Run runs the bench and returns its report. Progress goes to
// o.Progress while it runs.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Runs < 1 {
		return nil, errors.New("bench: runs must be at least 1")
	}
	if o.SynPackages <= 0 {
		o.SynPackages = 20
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	scenarios, err := o.scenarios()
	if err != nil {
		return nil, err
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("bench: this binary has no build info: build it with go build or go run")
	}
	tmpl, err := readTemplates(o.Repo)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	work, err := os.MkdirTemp(o.TempDir, "hotbus-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if o.Keep {
		fmt.Fprintf(o.Progress, "work dir (kept): %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	rep := &Report{
		GoVersion: runtime.Version(),
		GOOS:      runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Runs: o.Runs, Reloads: o.Reloads, ColdRuns: o.ColdRuns,
		Started: time.Now().UTC(),
	}
	for _, s := range scenarios {
		sr, err := runScenario(ctx, &o, bi, tmpl, s, filepath.Join(work, s.name))
		if err != nil {
			return nil, fmt.Errorf("bench: scenario %s: %w", s.name, err)
		}
		rep.Scenarios = append(rep.Scenarios, sr)
	}
	rep.Duration = time.Since(rep.Started).Round(time.Second).String()
	return rep, nil
}

// scenarios returns the scenarios o names, each once.
func (o *Options) scenarios() ([]*scenario, error) {
	var list []*scenario
	seen := map[string]bool{}
	for _, name := range o.Scenarios {
		s, err := newScenario(name)
		if name == "syn" {
			s, err = synScenario(o.SynPackages), nil
		}
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		if seen[s.name] {
			// The second live host would build the same sources again, in
			// another codegen dir, in this process: hotbus would give the
			// copies the import paths of the first run's, and the Go
			// runtime would refuse them as a different version.
			return nil, fmt.Errorf("bench: scenario %s is listed twice: run it once, with more --runs or --reloads", s.name)
		}
		seen[s.name] = true
		list = append(list, s)
	}
	return list, nil
}

// runScenario measures one scenario in its work dir.
func runScenario(ctx context.Context, o *Options, bi *debug.BuildInfo, tmpl *templates, s *scenario, work string) (*ScenarioReport, error) {
	progress := func(format string, args ...any) {
		fmt.Fprintf(o.Progress, "[%s %s] %s\n", time.Now().Format("15:04:05"), s.name, fmt.Sprintf(format, args...))
	}
	mod := filepath.Join(work, "mod")
	if err := s.write(mod, tmpl); err != nil {
		return nil, err
	}
	r := &ScenarioReport{Name: s.name, What: s.what, Packages: len(s.pkgs)}
	floorOut := filepath.Join(work, "floor.so")

	progress("warming the build cache: go build -buildmode=plugin ./floor and go build ./host")
	if _, err := goBuild(ctx, bi, "", mod, "floor", floorOut, true); err != nil {
		return nil, err
	}
	if _, err := goBuild(ctx, bi, "", mod, "host", hostPath(work), false); err != nil {
		return nil, err
	}
	gen := s.gen

	var floor []time.Duration
	for i := 1; i <= o.Runs; i++ {
		gen++
		if err := s.edit(gen); err != nil {
			return nil, err
		}
		d, err := goBuild(ctx, bi, "", mod, "floor", floorOut, true)
		if err != nil {
			return nil, err
		}
		floor = append(floor, d)
		progress("(a) floor %d/%d: %s", i, o.Runs, fmtDur(d))
	}
	if fi, err := os.Stat(floorOut); err == nil {
		r.FloorPluginSize = fi.Size()
	}
	r.Floor = stats(floor)

	var restart []time.Duration
	for i := 1; i <= o.Runs; i++ {
		gen++
		if err := s.edit(gen); err != nil {
			return nil, err
		}
		start := time.Now()
		if _, err := goBuild(ctx, bi, "", mod, "host", hostPath(work), false); err != nil {
			return nil, err
		}
		if err := runUntilReady(ctx, hostPath(work)); err != nil {
			return nil, err
		}
		d := time.Since(start)
		restart = append(restart, d)
		progress("(c) restart %d/%d: %s", i, o.Runs, fmtDur(d))
	}
	r.Restart = stats(restart)
	if fi, err := os.Stat(hostPath(work)); err == nil {
		r.HostSize = fi.Size()
	}

	reloads := max(o.Runs, o.Reloads)
	live, err := measureLive(ctx, o, s, filepath.Join(work, "live"), reloads, progress)
	if err != nil {
		return nil, err
	}
	r.Reload = stats(live.reload)
	r.NoOp = stats(live.noop)
	r.FirstLoad = fmtDur(live.firstDur)
	r.Memory = live.mem
	r.Steps = map[string]Stats{}
	for k, v := range live.steps {
		r.Steps[k] = stats(v)
	}
	if r.Floor.Median > 0 {
		r.ReloadOverFloor = r.Reload.Median / r.Floor.Median
	}
	if r.Restart.Median > 0 {
		r.ReloadOverRestart = r.Reload.Median / r.Restart.Median
	}

	if r.Process, err = measureProcess(ctx, o, bi, tmpl, s, filepath.Join(work, "process"), reloads, progress); err != nil {
		return nil, err
	}

	if o.ColdRuns > 0 {
		var coldHot, coldPlain []time.Duration
		for i := 1; i <= o.ColdRuns; i++ {
			if len(o.Self) != 0 {
				d, err := coldHotbus(ctx, o, s, filepath.Join(work, fmt.Sprintf("cold-hot-%d", i)))
				if err != nil {
					return nil, err
				}
				coldHot = append(coldHot, d)
				progress("(d) cold hotbus build %d/%d: %s", i, o.ColdRuns, fmtDur(d))
			}
			cache := filepath.Join(work, fmt.Sprintf("cold-plain-%d", i))
			d, err := goBuild(ctx, bi, cache, mod, "floor", floorOut, true)
			if err != nil {
				return nil, err
			}
			removeCache(cache)
			coldPlain = append(coldPlain, d)
			progress("(d) cold plain plugin build %d/%d: %s", i, o.ColdRuns, fmtDur(d))
		}
		r.ColdHotbus, r.ColdPlain = stats(coldHot), stats(coldPlain)
	}
	return r, nil
}

// coldHotbus runs hot-builder compile with an empty GOCACHE and returns
// how long it took, process start included.
func coldHotbus(ctx context.Context, o *Options, s *scenario, dir string) (time.Duration, error) {
	cache := filepath.Join(dir, "gocache")
	defer removeCache(dir)
	args := append(append([]string{}, o.Self[1:]...), "compile",
		"--work-dir", s.mod,
		"--output", filepath.Join(dir, "plugins"),
		"--codegen-dir", filepath.Join(dir, "codegen"),
		"--binary-id", "cold-"+s.name)
	for _, p := range s.pkgs {
		args = append(args, "./"+p.dir)
	}
	return runTimed(ctx, o.Self[0], args, withEnv("GOCACHE", cache))
}

// removeCache removes a temporary GOCACHE (its files are read-only).
func removeCache(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}

// stats summarizes samples.
func stats(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{N: len(s), Median: ms(med), Min: ms(s[0]), Max: ms(s[len(s)-1])}
}

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// fmtDur formats a duration to the millisecond.
func fmtDur(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}
