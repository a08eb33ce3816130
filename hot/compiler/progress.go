package hot_compiler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// BuildProgress is how far a plugin's go build is: see Options.Progress.
type BuildProgress struct {
	// BinaryID is the plugin being built.
	BinaryID string
	// Done is the number of packages the go command has started to
	// compile (go build -v reports each one as it starts).
	Done int
	// Total is the number of packages this build compiles: those the
	// build cache does not hold, as go list -deps reports them stale with
	// the build's flags. 0 until known: the build is counted only once it
	// runs for a second, or compiles the runtime. Done never exceeds it.
	Total int
	// Package is the package started last.
	Package string
	// Cold is set once the build compiles the Go runtime: nothing of the
	// dynamic-link build was cached (the first plugin build on a machine,
	// or after the build cache was cleaned), and the build takes 10 s or
	// more.
	Cold bool
	// Elapsed is the time since the go build started.
	Elapsed time.Duration
	// Finished is set on the last report of a build, whatever its outcome.
	Finished bool
}

const (
	// progressEvery is how often a running build logs its progress.
	progressEvery = 3 * time.Second
	// countAfter is how long a build runs before the packages it has
	// left are counted: most incremental builds are done by then.
	countAfter = time.Second
)

// buildEvent is one line of go build -json output (go help buildjson).
type buildEvent struct {
	ImportPath string
	Action     string
	Output     string
}

// buildOutput takes the standard output of go build -json -v. It puts
// back together the text go build prints without those flags (the
// concatenated Output fields, minus the package names -v adds), keeps
// lines that are not JSON as they are, and calls started for each
// package whose compile starts. The go command's standard error goes to
// stderr, and comes first in String: it holds the early errors, printed
// before any package is built.
type buildOutput struct {
	started func(pkg string)
	stderr  bytes.Buffer

	mu      sync.Mutex
	partial []byte
	text    strings.Builder
}

// Write parses every complete line of p.
func (o *buildOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.line(o.partial[:i+1])
		o.partial = o.partial[i+1:]
	}
	return len(p), nil
}

// line handles one line of output, newline included.
func (o *buildOutput) line(l []byte) {
	var ev buildEvent
	if err := json.Unmarshal(l, &ev); err != nil || ev.Action == "" {
		o.text.Write(l)
		return
	}
	switch {
	case ev.Action != "build-output":
	case ev.Output == ev.ImportPath+"\n":
		// go build -v: the package's compile starts.
		if o.started != nil {
			o.started(ev.ImportPath)
		}
	default:
		o.text.WriteString(ev.Output)
	}
}

// String returns the build's text output.
func (o *buildOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stderr.String() + o.text.String() + string(o.partial)
}

// progressTracker follows one go build: it counts the packages started,
// counts the packages left once the build runs long enough, says when the
// runtime is compiled (a cold build), logs the progress every few
// seconds, and reports it to Options.Progress.
type progressTracker struct {
	le       *logrus.Entry
	report   func(BuildProgress)
	binaryID string
	// stale lists the packages the build compiles.
	stale func(ctx context.Context) ([]string, error)
	// every and countAfter are progressEvery and countAfter, or shorter
	// in tests.
	every, countAfter time.Duration

	// reportMu makes the calls of report one at a time, each with the
	// latest progress.
	reportMu sync.Mutex

	mu      sync.Mutex
	begin   time.Time
	started map[string]bool
	total   map[string]bool
	last    string
	cold    bool
	// count asks for the stale packages to be counted.
	count chan struct{}
}

// newProgressTracker returns a tracker for the build of binaryID.
func newProgressTracker(le *logrus.Entry, report func(BuildProgress), binaryID string, stale func(context.Context) ([]string, error)) *progressTracker {
	return &progressTracker{
		le: le, report: report, binaryID: binaryID, stale: stale,
		every: progressEvery, countAfter: countAfter,
		started: map[string]bool{}, count: make(chan struct{}, 1),
	}
}

// isRuntimePackage reports whether a package is the runtime or one of
// the standard library's internal packages, compiled before anything
// else: compiling one means none of the dynamic-link build was cached.
func isRuntimePackage(pkg string) bool {
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || strings.HasPrefix(pkg, "internal/")
}

// packageStarted records that pkg's compile started.
func (p *progressTracker) packageStarted(pkg string) {
	p.mu.Lock()
	p.started[pkg] = true
	if p.total != nil {
		p.total[pkg] = true
	}
	p.last = pkg
	coldNow := !p.cold && isRuntimePackage(pkg)
	p.cold = p.cold || coldNow
	p.mu.Unlock()
	if coldNow {
		p.le.Info("the Go runtime and standard library are not compiled for plugins on this machine yet: " +
			"this build compiles them and every dependency for dynamic linking (10 s or more, once; later builds reuse them)")
		select {
		case p.count <- struct{}{}:
		default:
		}
	}
	p.send(false)
}

// send calls report with the progress as it is now.
func (p *progressTracker) send(finished bool) {
	if p.report == nil {
		return
	}
	p.reportMu.Lock()
	defer p.reportMu.Unlock()
	p.mu.Lock()
	prog := p.progressLocked(finished)
	p.mu.Unlock()
	p.report(prog)
}

// progressLocked returns the progress; p.mu is held.
func (p *progressTracker) progressLocked(finished bool) BuildProgress {
	prog := BuildProgress{
		BinaryID: p.binaryID, Done: len(p.started), Total: len(p.total), Package: p.last,
		Cold: p.cold, Elapsed: time.Since(p.begin), Finished: finished,
	}
	if finished && prog.Total < prog.Done {
		prog.Total = prog.Done
	}
	return prog
}

// start begins following a build that starts now; the returned function
// ends it (it waits for the count to stop) and sends the last report.
func (p *progressTracker) start(ctx context.Context) (stop func()) {
	p.mu.Lock()
	p.begin = time.Now()
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.follow(ctx, &wg)
	}()
	return func() {
		cancel()
		wg.Wait()
		p.send(true)
	}
}

// follow counts the packages left when asked to or after countAfter, and
// logs the progress every p.every, until ctx ends.
func (p *progressTracker) follow(ctx context.Context, wg *sync.WaitGroup) {
	countTimer := time.NewTimer(p.countAfter)
	defer countTimer.Stop()
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	counted := make(chan []string, 1)
	counting := false
	countNow := func() {
		if counting {
			return
		}
		counting = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkgs, err := p.stale(ctx)
			if err != nil {
				if ctx.Err() == nil {
					p.le.WithError(err).Debug("can't count the packages the build compiles")
				}
				return
			}
			counted <- pkgs
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-countTimer.C:
			countNow()
		case <-p.count:
			countNow()
		case pkgs := <-counted:
			p.mu.Lock()
			p.total = map[string]bool{}
			for _, pkg := range slices.Concat(pkgs, slices.Collect(maps.Keys(p.started))) {
				p.total[pkg] = true
			}
			p.mu.Unlock()
			p.send(false)
		case <-tick.C:
			p.mu.Lock()
			prog := p.progressLocked(false)
			p.mu.Unlock()
			le := p.le.WithField("build-elapsed", prog.Elapsed.Round(time.Second).String())
			if prog.Total != 0 {
				le.Infof("building plugin: %d of %d packages compiled", min(prog.Done, prog.Total), prog.Total)
			} else {
				le.Infof("building plugin: %d packages compiled", prog.Done)
			}
		}
	}
}

// staleDeps lists the packages that go build with flags in dir would
// compile for the main package pkg: the dependencies go list -deps
// reports stale.
func staleDeps(ctx context.Context, goCmd, dir, pkg string, flags, env []string) ([]string, error) {
	// -mod=readonly: the build running beside it may be writing go.sum.
	args := append([]string{"list", "-deps", "-mod=readonly", "-f", "{{if .Stale}}{{.ImportPath}}{{end}}"}, flags...)
	cmd := exec.CommandContext(ctx, goCmd, append(args, pkg)...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			pkgs = append(pkgs, l)
		}
	}
	return pkgs, nil
}
