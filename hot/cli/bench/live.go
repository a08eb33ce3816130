package hot_cli_bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	"github.com/sirupsen/logrus"
)

// logEvent is a log entry of the live host that the bench waits on.
type logEvent struct {
	// kind is "start" (a bench controller ran), "reloaded" (the loader's
	// reload line), "unchanged" (the compiler's no-op) or "error".
	kind string
	// value is the start key's value of a start event.
	value string
	// fields are the entry's fields.
	fields logrus.Fields
	// msg is the entry's message.
	msg string
	// at is when the entry was logged.
	at time.Time
}

// liveHook turns the live host's log entries into events.
type liveHook struct {
	startKey string
	events   chan logEvent
}

// Levels returns every level.
func (h *liveHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire forwards the entries the bench waits on. It never blocks: the
// channel is large and the bench drains it before each step.
func (h *liveHook) Fire(e *logrus.Entry) error {
	at := time.Now()
	ev := logEvent{at: at, msg: e.Message}
	switch {
	case e.Data[h.startKey] != nil:
		ev.kind, ev.value = "start", fmt.Sprint(e.Data[h.startKey])
	case e.Level == logrus.InfoLevel && strings.HasPrefix(e.Message, "reloaded: "):
		ev.kind = "reloaded"
		ev.fields = make(logrus.Fields, len(e.Data))
		for k, v := range e.Data {
			ev.fields[k] = v
		}
	case e.Level == logrus.DebugLevel && strings.HasPrefix(e.Message, "sources unchanged"):
		ev.kind = "unchanged"
	case e.Level <= logrus.ErrorLevel:
		ev.kind = "error"
	default:
		return nil
	}
	select {
	case h.events <- ev:
	default:
	}
	return nil
}

// drain drops pending events.
func (h *liveHook) drain() {
	for {
		select {
		case <-h.events:
		default:
			return
		}
	}
}

// wait returns the next event for which match is true. Error events fail
// the wait unless match accepts them.
func (h *liveHook) wait(ctx context.Context, timeout time.Duration, what string, match func(logEvent) bool) (logEvent, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return logEvent{}, ctx.Err()
		case <-t.C:
			return logEvent{}, fmt.Errorf("no %s within %s", what, timeout)
		case ev := <-h.events:
			if match(ev) {
				return ev, nil
			}
			if ev.kind == "error" {
				return logEvent{}, fmt.Errorf("waiting for %s: the host logged an error: %s", what, ev.msg)
			}
		}
	}
}

// liveResult is what the live host measured.
type liveResult struct {
	reload   []time.Duration
	noop     []time.Duration
	steps    map[string][]time.Duration
	mem      Memory
	firstDur time.Duration
}

// stepKeys are the fields of the loader's reload line, in order.
var stepKeys = []string{"detect", "analysis", "codegen", "build", "publish", "load", "stop-old", "swap", "start", "total"}

// measureLive runs a host bus with the loader and the compiler watching
// the scenario's module in this process, and times reloads (b), no-op
// saves, and memory and goroutines after reloads (e).
func measureLive(ctx context.Context, o *Options, s *scenario, work string, reloads int, progress func(string, ...any)) (*liveResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	plugins := filepath.Join(work, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return nil, fmt.Errorf("live host: %w", err)
	}
	logPath := filepath.Join(work, "host.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("live host: %w", err)
	}
	out := &closingWriter{w: logFile}
	// The host's goroutines may log a little after ctx ends.
	defer out.Close()
	log := logrus.New()
	log.SetLevel(logrus.DebugLevel)
	log.Out = out
	hook := &liveHook{startKey: s.startKey, events: make(chan logEvent, 4096)}
	log.AddHook(hook)
	le := logrus.NewEntry(log)

	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		return nil, fmt.Errorf("live host: %w", err)
	}
	defer stopLive(b, cancel, progress)
	hot.AddFactories(b, sr)
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "loader:\n  id: hotbus/loader/filesystem\n  config: {dir: %q, watch: true}\n", plugins)
	fmt.Fprintf(&yaml, "compiler:\n  id: hotbus/compiler\n  config:\n    workDir: %q\n    packages: [", s.mod)
	for i, p := range s.pkgs {
		if i > 0 {
			yaml.WriteString(", ")
		}
		yaml.WriteString("./" + p.dir)
	}
	fmt.Fprintf(&yaml, "]\n    outputDir: %q\n    codegenDir: %q\n    watch: true\n    pluginBinaryId: bench-%s\n    pluginBinaryVersion: \"{buildHash}\"\n",
		plugins, filepath.Join(work, "codegen"), s.name)
	for _, p := range s.pkgs {
		fmt.Fprintf(&yaml, "%s:\n  id: %s\n  config: {name: bench}\n", p.name, p.configID)
	}
	start := time.Now()
	release, err := hot.ApplyConfigSetYAML(ctx, le, b, []byte(yaml.String()))
	if err != nil {
		return nil, fmt.Errorf("live host: %w", err)
	}
	defer release()
	res := &liveResult{steps: map[string][]time.Duration{}}
	want := s.genValue(s.gen)
	progress("first build and load in the live host (log: %s)", logPath)
	if _, err := hook.wait(ctx, 10*time.Minute, "first start of the controllers", func(ev logEvent) bool {
		return ev.kind == "start" && ev.value == want
	}); err != nil {
		return nil, fmt.Errorf("live host: %w", err)
	}
	res.firstDur = time.Since(start)
	m := &res.mem
	m.GoroutinesBase = settledGoroutines(ctx, -1)
	debug.FreeOSMemory()
	m.RSSBase = rss()

	gen := s.gen
	for i := 1; i <= reloads; i++ {
		gen++
		hook.drain()
		want := s.genValue(gen)
		t0 := time.Now()
		if err := s.edit(gen); err != nil {
			return nil, err
		}
		// The loader's reload line comes once the first controller of the
		// new build runs, which may be before or after the edited one.
		var line *logEvent
		ev, err := hook.wait(ctx, 5*time.Minute, fmt.Sprintf("start of generation %d", gen), func(ev logEvent) bool {
			if ev.kind == "reloaded" {
				line = &ev
			}
			return ev.kind == "start" && ev.value == want
		})
		if err != nil {
			return nil, fmt.Errorf("live host, reload %d: %w", i, err)
		}
		d := ev.at.Sub(t0)
		res.reload = append(res.reload, d)
		if line == nil {
			if l, err := hook.wait(ctx, 30*time.Second, "the loader's reload line", func(ev logEvent) bool { return ev.kind == "reloaded" }); err == nil {
				line = &l
			}
		}
		if line != nil {
			for _, k := range stepKeys {
				if v, ok := line.fields[k].(string); ok {
					if sd, err := time.ParseDuration(v); err == nil {
						res.steps[k] = append(res.steps[k], sd)
					}
				}
			}
		}
		g := settledGoroutines(ctx, m.GoroutinesBase)
		if g-m.GoroutinesBase > m.GoroutinesMaxOver {
			m.GoroutinesMaxOver = g - m.GoroutinesBase
		}
		if i == 1 || i == 10 || i == 50 || i == reloads {
			debug.FreeOSMemory()
			m.Points = append(m.Points, MemPoint{Reloads: i, RSS: rss(), Goroutines: g})
			if size, err := newestPlugin(plugins); err == nil {
				m.PluginSize = size
			}
		}
		progress("(b) reload %d/%d: %s", i, reloads, fmtDur(d))
	}
	if n := len(m.Points); n >= 2 && m.Points[n-1].Reloads > m.Points[0].Reloads {
		first, last := m.Points[0], m.Points[n-1]
		m.RSSGrowthPerReload = (last.RSS - first.RSS) / int64(last.Reloads-first.Reloads)
		if m.PluginSize > 0 {
			m.GrowthOverSize = float64(m.RSSGrowthPerReload) / float64(m.PluginSize)
		}
	}

	// No-op saves: the same content written again.
	for i := 1; i <= o.Runs; i++ {
		src, err := os.ReadFile(s.editFile())
		if err != nil {
			return nil, fmt.Errorf("no-op save: %w", err)
		}
		hook.drain()
		t0 := time.Now()
		if err := os.WriteFile(s.editFile(), src, 0o644); err != nil {
			return nil, fmt.Errorf("no-op save: %w", err)
		}
		ev, err := hook.wait(ctx, time.Minute, "the compiler's no-op", func(ev logEvent) bool { return ev.kind == "unchanged" })
		if err != nil {
			return nil, fmt.Errorf("no-op save %d: %w", i, err)
		}
		d := ev.at.Sub(t0)
		res.noop = append(res.noop, d)
		progress("no-op save %d/%d: %s", i, o.Runs, fmtDur(d))
	}
	return res, nil
}

// stopLive ends the live host: it cancels its context and waits until
// its loaders have exited, so that they have removed their private
// directories for plugin copies (hotbus-loader-* in the system temp
// dir) before the bench goes on or returns.
func stopLive(b bus.Bus, cancel context.CancelFunc, progress func(string, ...any)) {
	var loaders []*hot_loader_filesystem.Controller
	for _, c := range b.GetControllers() {
		if l, ok := c.(*hot_loader_filesystem.Controller); ok {
			loaders = append(loaders, l)
		}
	}
	cancel()
	ctx, done := context.WithTimeout(context.Background(), time.Minute)
	defer done()
	for _, l := range loaders {
		if err := l.WaitExited(ctx); err != nil {
			progress("the live host's loader did not exit within a minute: %v", err)
		}
	}
}

// closingWriter is a writer that drops writes once closed.
type closingWriter struct {
	mu     sync.Mutex
	w      io.WriteCloser
	closed bool
}

// Write writes p unless the writer is closed.
func (c *closingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return len(p), nil
	}
	return c.w.Write(p)
}

// Close closes the underlying writer.
func (c *closingWriter) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return c.w.Close()
}

// settledGoroutines returns the goroutine count once it is at most want
// (or, with want < 0, once two samples agree), giving up after 3 s: the
// old controllers' goroutines end asynchronously after a swap and there
// is no signal for the last of them.
func settledGoroutines(ctx context.Context, want int) int {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(3 * time.Second)
	prev := runtime.NumGoroutine()
	for {
		select {
		case <-ctx.Done():
			return prev
		case <-tick.C:
		}
		g := runtime.NumGoroutine()
		if (want >= 0 && g <= want) || (want < 0 && g == prev) || time.Now().After(deadline) {
			return g
		}
		prev = g
	}
}

// rss returns this process's resident set size in bytes (VmRSS).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// newestPlugin returns the size of the newest plugin file in dir.
func newestPlugin(dir string) (int64, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.cbus.so"))
	if err != nil {
		return 0, err
	}
	var best os.FileInfo
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err == nil && (best == nil || fi.ModTime().After(best.ModTime())) {
			best = fi
		}
	}
	if best == nil {
		return 0, fmt.Errorf("no plugin in %s", dir)
	}
	return best.Size(), nil
}
