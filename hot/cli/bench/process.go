package hot_cli_bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// ProcessMode is process mode's figures for a scenario: the same edits,
// built by the compiler's process target into a child executable and run
// by hotbus/loader/process in a child process of the live host.
type ProcessMode struct {
	// Floor is go build of a plain child executable (a main that calls
	// hot_ipc.Serve with the packages' factories) after the edit: process
	// mode's own floor.
	Floor Stats `json:"floor"`
	// Reload is from the write of the edit to the new controller's
	// Execute in the new child.
	Reload Stats `json:"reload"`
	// ReloadOverFloor is the ratio of the medians.
	ReloadOverFloor float64 `json:"reloadOverFloor"`
	// FirstLoad is the first build and start of the child (warm cache).
	FirstLoad string `json:"firstLoad"`
	// ChildSize is the size of the plain child executable of Floor.
	ChildSize int64 `json:"floorChildSizeBytes"`
	// Memory is the host's RSS and goroutines over the reloads; its
	// PluginSize is the size of the last child executable.
	Memory Memory `json:"memory"`
	// ChildrenAfter is how many child processes of the host are alive
	// after the last reload: 1 (the running child) when no old child is
	// left.
	ChildrenAfter int `json:"childrenAfterLastReload"`
	// Steps are the loader's per-reload step times.
	Steps map[string]Stats `json:"steps"`
}

// measureProcess measures process mode for scenario s in work: a copy of
// the scenario's module that requires hotbus (replaced by o.Repo), since
// a child executable links hot/ipc. It times the floor o.Runs times, then
// reloads a live host in this process reloads times.
func measureProcess(ctx context.Context, o *Options, bi *debug.BuildInfo, tmpl *templates, s *scenario, work string, reloads int, progress func(string, ...any)) (*ProcessMode, error) {
	ps := *s
	if err := ps.write(filepath.Join(work, "mod"), tmpl); err != nil {
		return nil, err
	}
	if err := requireHotbus(ps.mod, o.Repo); err != nil {
		return nil, fmt.Errorf("process mode: %w", err)
	}
	floorMain := strings.Replace(string(ps.floorMain()), "func main() {}",
		fmt.Sprintf("func main() { hot_ipc.Serve(%q, \"floor\", Factories) }", "floor-"+ps.name), 1)
	floorMain = strings.Replace(floorMain, "import (\n", "import (\n\thot_ipc \"github.com/hotbus/hotbus/hot/ipc\"\n", 1)
	if err := os.MkdirAll(filepath.Join(ps.mod, "childfloor"), 0o755); err != nil {
		return nil, fmt.Errorf("process mode: %w", err)
	}
	if err := os.WriteFile(filepath.Join(ps.mod, "childfloor", "main.go"), []byte(floorMain), 0o644); err != nil {
		return nil, fmt.Errorf("process mode: %w", err)
	}

	r := &ProcessMode{Steps: map[string]Stats{}}
	childOut := filepath.Join(work, "floor.exe")
	progress("process mode: warming the build cache: go build ./childfloor")
	if _, err := goBuild(ctx, bi, "", ps.mod, "childfloor", childOut, false); err != nil {
		return nil, fmt.Errorf("process mode: %w", err)
	}
	var floor []time.Duration
	for i := 1; i <= o.Runs; i++ {
		if err := ps.edit(ps.gen + 1); err != nil {
			return nil, err
		}
		d, err := goBuild(ctx, bi, "", ps.mod, "childfloor", childOut, false)
		if err != nil {
			return nil, fmt.Errorf("process mode: %w", err)
		}
		floor = append(floor, d)
		progress("(a) process floor %d/%d: %s", i, o.Runs, fmtDur(d))
	}
	r.Floor = stats(floor)
	if fi, err := os.Stat(childOut); err == nil {
		r.ChildSize = fi.Size()
	}

	if err := measureProcessLive(ctx, &ps, r, work, reloads, progress); err != nil {
		return nil, err
	}
	if r.Floor.Median > 0 {
		r.ReloadOverFloor = r.Reload.Median / r.Floor.Median
	}
	return r, nil
}

// requireHotbus makes the module in mod require github.com/hotbus/hotbus,
// replaced by the repository repo, with repo's go.sum added.
func requireHotbus(mod, repo string) error {
	abs, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(abs, "go.sum"))
	if err != nil {
		return fmt.Errorf("read hotbus's go.sum: %w", err)
	}
	for name, text := range map[string]string{
		"go.mod": fmt.Sprintf("\nrequire github.com/hotbus/hotbus v0.0.0-00010101000000-000000000000\n\nreplace github.com/hotbus/hotbus => %s\n", filepath.ToSlash(abs)),
		"go.sum": "\n" + string(sum),
	} {
		f, err := os.OpenFile(filepath.Join(mod, name), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, werr := f.WriteString(text)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(mod, name), werr)
		}
	}
	return nil
}

// measureProcessLive runs a host bus in this process with the process
// loader and the compiler (target process) watching ps's module, and times
// reloads, the host's RSS and goroutines, and the children left, into r.
func measureProcessLive(ctx context.Context, ps *scenario, r *ProcessMode, work string, reloads int, progress func(string, ...any)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	plugins := filepath.Join(work, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return fmt.Errorf("process mode host: %w", err)
	}
	logPath := filepath.Join(work, "host.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("process mode host: %w", err)
	}
	out := &closingWriter{w: logFile}
	defer out.Close()
	log := logrus.New()
	log.SetLevel(logrus.DebugLevel)
	log.Out = out
	hook := &liveHook{startKey: ps.startKey, events: make(chan logEvent, 4096)}
	log.AddHook(hook)
	le := logrus.NewEntry(log)

	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		return fmt.Errorf("process mode host: %w", err)
	}
	hot.AddFactories(b, sr)
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "loader:\n  id: hotbus/loader/process\n  config: {dir: %q, watch: true}\n", plugins)
	fmt.Fprintf(&yaml, "compiler:\n  id: hotbus/compiler\n  config:\n    target: process\n    workDir: %q\n    packages: [", ps.mod)
	for i, p := range ps.pkgs {
		if i > 0 {
			yaml.WriteString(", ")
		}
		yaml.WriteString("./" + p.dir)
	}
	fmt.Fprintf(&yaml, "]\n    outputDir: %q\n    codegenDir: %q\n    watch: true\n    pluginBinaryId: bench-process-%s\n    pluginBinaryVersion: \"{buildHash}\"\n",
		plugins, filepath.Join(work, "codegen"), ps.name)
	for _, p := range ps.pkgs {
		fmt.Fprintf(&yaml, "%s:\n  id: %s\n  config: {name: bench}\n", p.name, p.configID)
	}
	start := time.Now()
	release, err := hot.ApplyConfigSetYAML(ctx, le, b, []byte(yaml.String()))
	if err != nil {
		return fmt.Errorf("process mode host: %w", err)
	}
	// Before the work dir goes, the loader must have stopped its children
	// and written its manifest for the last time.
	defer waitLoaders(b, cancel)
	defer release()
	want := ps.genValue(ps.gen)
	progress("process mode: first build and start of the child (log: %s)", logPath)
	if _, err := hook.wait(ctx, 10*time.Minute, "first start of the controllers in a child", func(ev logEvent) bool {
		return ev.kind == "start" && ev.value == want
	}); err != nil {
		return fmt.Errorf("process mode host: %w", err)
	}
	r.FirstLoad = fmtDur(time.Since(start))
	m := &r.Memory
	m.GoroutinesBase = settledGoroutines(ctx, -1)
	debug.FreeOSMemory()
	m.RSSBase = rss()

	var reload []time.Duration
	steps := map[string][]time.Duration{}
	for i := 1; i <= reloads; i++ {
		gen := ps.gen + 1
		hook.drain()
		want := ps.genValue(gen)
		t0 := time.Now()
		if err := ps.edit(gen); err != nil {
			return err
		}
		var line *logEvent
		ev, err := hook.wait(ctx, 5*time.Minute, fmt.Sprintf("start of generation %d in a child", gen), func(ev logEvent) bool {
			if ev.kind == "reloaded" {
				line = &ev
			}
			return ev.kind == "start" && ev.value == want
		})
		if err != nil {
			return fmt.Errorf("process mode host, reload %d: %w", i, err)
		}
		d := ev.at.Sub(t0)
		reload = append(reload, d)
		if line == nil {
			if l, err := hook.wait(ctx, 30*time.Second, "the loader's reload line", func(ev logEvent) bool { return ev.kind == "reloaded" }); err == nil {
				line = &l
			}
		}
		if line != nil {
			for _, k := range stepKeys {
				if v, ok := line.fields[k].(string); ok {
					if sd, err := time.ParseDuration(v); err == nil {
						steps[k] = append(steps[k], sd)
					}
				}
			}
		}
		g := settledGoroutines(ctx, m.GoroutinesBase)
		m.GoroutinesMaxOver = max(m.GoroutinesMaxOver, g-m.GoroutinesBase)
		if i == 1 || i == 10 || i == 50 || i == reloads {
			debug.FreeOSMemory()
			m.Points = append(m.Points, MemPoint{Reloads: i, RSS: rss(), Goroutines: g})
		}
		progress("(b) process mode reload %d/%d: %s", i, reloads, fmtDur(d))
	}
	r.Reload = stats(reload)
	for k, v := range steps {
		r.Steps[k] = stats(v)
	}
	if n := len(m.Points); n >= 2 && m.Points[n-1].Reloads > m.Points[0].Reloads {
		first, last := m.Points[0], m.Points[n-1]
		m.RSSGrowthPerReload = (last.RSS - first.RSS) / int64(last.Reloads-first.Reloads)
	}
	if size, err := childExecutableSize(plugins); err == nil {
		m.PluginSize = size
		if m.RSSGrowthPerReload > 0 {
			m.GrowthOverSize = float64(m.RSSGrowthPerReload) / float64(size)
		}
	}
	// The old child is stopped once the new build runs; give the last
	// one the time to go.
	r.ChildrenAfter = settledChildren(ctx, 1)
	return nil
}

// waitLoaders cancels the host's context and waits, at most a minute,
// for its controllers that have a WaitExited method (the loaders): then
// every child is stopped and nothing more is written into the work dir.
func waitLoaders(b bus.Bus, cancel context.CancelFunc) {
	var loaders []interface{ WaitExited(context.Context) error }
	for _, c := range b.GetControllers() {
		if l, ok := c.(interface{ WaitExited(context.Context) error }); ok {
			loaders = append(loaders, l)
		}
	}
	cancel()
	ctx, done := context.WithTimeout(context.Background(), time.Minute)
	defer done()
	for _, l := range loaders {
		_ = l.WaitExited(ctx)
	}
}

// childExecutableSize returns the size of the child executable in dir (the
// compiler removes older builds, so there is one).
func childExecutableSize(dir string) (int64, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*"+hot_manifest.ProcessSuffix))
	if err != nil {
		return 0, err
	}
	if len(matches) == 0 {
		return 0, fmt.Errorf("no child executable in %s", dir)
	}
	fi, err := os.Stat(matches[len(matches)-1])
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// settledChildren returns the number of live child processes of this
// process once it is at most want, giving up after 3 s: the old child is
// stopped after the new build runs, with no signal here for its end. It
// reads /proc; elsewhere it returns -1.
func settledChildren(ctx context.Context, want int) int {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := childProcesses()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		select {
		case <-ctx.Done():
			return n
		case <-tick.C:
		}
	}
}

// childProcesses counts this process's live (not zombie) children from
// /proc/<pid>/stat ("pid (comm) state ppid ..."), or returns -1 where
// there is no /proc.
func childProcesses() int {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return -1
	}
	me := strconv.Itoa(os.Getpid())
	n := 0
	for _, p := range stats {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if f := strings.Fields(s[i+1:]); i >= 0 && len(f) > 1 && f[1] == me && f[0] != "Z" {
			n++
		}
	}
	return n
}

// processRows adds process mode's rows to the table of WriteTable.
func processRows(row func(label string, cell func(s *ScenarioReport) string)) {
	cell := func(f func(p *ProcessMode) string) func(s *ScenarioReport) string {
		return func(s *ScenarioReport) string {
			if s.Process == nil {
				return "-"
			}
			return f(s.Process)
		}
	}
	row("process mode (child executable, hotbus/loader/process):", func(*ScenarioReport) string { return "" })
	row("(a) floor: go build of a plain child", cell(func(p *ProcessMode) string { return p.Floor.String() }))
	row("(b) hotbus: write → new Execute in a new child", cell(func(p *ProcessMode) string { return p.Reload.String() }))
	row("(b)/(a)", cell(func(p *ProcessMode) string { return fmt.Sprintf("%.2f", p.ReloadOverFloor) }))
	row("(e) child size (hotbus / plain)", cell(func(p *ProcessMode) string {
		return fmt.Sprintf("%s / %s", mib(p.Memory.PluginSize), mib(p.ChildSize))
	}))
	row("(e) host RSS after first load", cell(func(p *ProcessMode) string { return mib(p.Memory.RSSBase) }))
	for _, i := range []int{1, 10, 50} {
		row(fmt.Sprintf("(e) host RSS, goroutines after reload #%d", i), cell(func(p *ProcessMode) string {
			for _, pt := range p.Memory.Points {
				if pt.Reloads == i {
					return fmt.Sprintf("%s, %d", mib(pt.RSS), pt.Goroutines)
				}
			}
			return "-"
		}))
	}
	row("(e) host RSS growth/reload  target ≈ 0", cell(func(p *ProcessMode) string { return mib(p.Memory.RSSGrowthPerReload) }))
	row("(e) goroutines: base, max over base", cell(func(p *ProcessMode) string {
		return fmt.Sprintf("%d, +%d", p.Memory.GoroutinesBase, p.Memory.GoroutinesMaxOver)
	}))
	row("(e) children after the last reload  target 1", cell(func(p *ProcessMode) string { return strconv.Itoa(p.ChildrenAfter) }))
	for _, k := range stepKeys {
		row("    process reload step: "+k, cell(func(p *ProcessMode) string {
			if st, ok := p.Steps[k]; ok {
				return st.String()
			}
			return "-"
		}))
	}
}
