package hot_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// lifecycleHook follows the fixture's counter controllers and the
// compiler's builds from the log: the order of start and stop events, how
// many counters run at once, and how many plugins were published.
type lifecycleHook struct {
	events chan counterEvent
	errors chan string

	mu        sync.Mutex
	running   map[int]int // generation -> running controllers
	runningN  int
	most      int
	published int
	restarts  int
	// changed is closed and replaced at every publish.
	changed chan struct{}
}

func newLifecycleHook() *lifecycleHook {
	return &lifecycleHook{
		events:  make(chan counterEvent, 1024),
		errors:  make(chan string, 64),
		running: make(map[int]int),
		changed: make(chan struct{}),
	}
}

// Levels returns every level.
func (h *lifecycleHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire records counter events, publishes and errors.
func (h *lifecycleHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev, ok := e.Data["counter-event"].(string); ok {
		gen := e.Data["counter-generation"].(int)
		switch ev {
		case "start":
			h.running[gen]++
			h.runningN++
		case "stop":
			h.running[gen]--
			h.runningN--
		}
		h.most = max(h.most, h.runningN)
		h.events <- counterEvent{ev, gen, e.Data["counter-name"].(string), e.Data["counter-count"].(uint32)}
		return nil
	}
	switch {
	case e.Message == "plugin published":
		h.published++
		close(h.changed)
		h.changed = make(chan struct{})
	case strings.HasPrefix(e.Message, "source changed during the build"):
		h.restarts++
	case e.Level <= logrus.ErrorLevel:
		msg := e.Message
		if err, ok := e.Data[logrus.ErrorKey].(error); ok {
			msg += ": " + err.Error()
		}
		select {
		case h.errors <- msg:
		default:
		}
	}
	return nil
}

// counts returns the plugins published, the builds restarted by a change
// during the build, and the most counters that ran at once.
func (h *lifecycleHook) counts() (published, restarts, most int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.published, h.restarts, h.most
}

// waitPublished waits until n plugins were published in all. The compiler
// logs a publish after the loader may have started its controller.
func (h *lifecycleHook) waitPublished(t *testing.T, n int) {
	t.Helper()
	timer := time.NewTimer(step)
	defer timer.Stop()
	for {
		h.mu.Lock()
		got, ch := h.published, h.changed
		h.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("%d plugins published, want %d", got, n)
		}
	}
}

// expect waits for the next counter event and checks it; an error logged
// meanwhile fails the test.
func (h *lifecycleHook) expect(t *testing.T, want counterEvent) {
	t.Helper()
	select {
	case got := <-h.events:
		if got != want {
			t.Fatalf("counter event = %+v, want %+v", got, want)
		}
	case msg := <-h.errors:
		t.Fatalf("error logged while waiting for %+v:\n%s", want, msg)
	case <-time.After(step):
		t.Fatalf("no counter event within %s, want %+v", step, want)
	}
}

// counterHost is a host bus running the loader and the compiler over a
// copy of testdata/reload, with the counter controller configured.
type counterHost struct {
	b       bus.Bus
	hook    *lifecycleHook
	source  string
	plugins string
	cancel  context.CancelFunc
	// gen0 is the first generation: unique in the process, so no build
	// of this host is one another test in the process loaded already.
	gen0 int
}

// hostSeq numbers the counter hosts of this process.
var hostSeq atomic.Int64

// startCounterHost starts the host and waits for its first generation to
// run.
// debug sends the host's debug log to the test log.
func startCounterHost(t *testing.T, debug bool) *counterHost {
	t.Helper()
	mod := copyFixture(t, "testdata/reload")
	source := filepath.Join(mod, "counter", "controller.go")
	gen0 := int(hostSeq.Add(1))*1000 + 1
	setGeneration(t, source, gen0, os.WriteFile)
	plugins := t.TempDir()
	var out = io.Discard
	if debug {
		out = testutil.LogWriter(t)
	}
	hook := newLifecycleHook()
	b, cancel := startHost(t, mod, plugins, "soak", 7, out, hook)
	h := &counterHost{b: b, hook: hook, source: source, plugins: plugins, cancel: cancel, gen0: gen0}
	hook.expect(t, counterEvent{"start", gen0, "soak", 7})
	return h
}

// stop cancels the host and waits for the loader to drop its plugins.
func (h *counterHost) stop(t *testing.T) {
	t.Helper()
	testutil.StopHost(t, h.b, h.cancel, step)
}

// checkManifest checks that the loader's manifest file records no failed
// plugin and that no temporary file is left in the plugins dir. Call it
// after stop: a running loader may be writing its manifest.
func (h *counterHost) checkManifest(t *testing.T) {
	t.Helper()
	m, err := hot_manifest.ReadFile(filepath.Join(h.plugins, hot_manifest.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Plugins {
		if p.State == hot_manifest.StateFailed || p.Error != "" {
			t.Errorf("manifest: %s is %s: %s", p.Path, p.State, p.Error)
		}
	}
	ents, err := os.ReadDir(h.plugins)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left in the plugins dir: %s", e.Name())
		}
	}
}

// TestTenEditsWithinASecond saves the controller ten times in one second,
// each save a new generation, while the compiler is watching: builds
// started by the early saves are canceled, exactly one plugin is published,
// of the final state, and the running controller goes from the first
// generation to the eleventh directly. One more save shows nothing else was published meanwhile.
func TestTenEditsWithinASecond(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	h := startCounterHost(t, false)
	published0, _, _ := h.hook.counts()

	// Saves 80 ms apart: longer than the compiler's 50 ms debounce, so most
	// start a build that the next save cancels.
	tick := time.NewTicker(80 * time.Millisecond)
	start := time.Now()
	first, last := h.gen0+1, h.gen0+10
	for gen := first; gen <= last; gen++ {
		if gen > first {
			<-tick.C
		}
		setGeneration(t, h.source, gen, writeRename)
	}
	tick.Stop()
	saved := time.Since(start)
	if saved >= time.Second {
		t.Fatalf("the ten saves took %v, want under a second", saved)
	}
	h.hook.expect(t, counterEvent{"stop", h.gen0, "soak", 7})
	h.hook.expect(t, counterEvent{"start", last, "soak", 7})
	published, restarts, _ := h.hook.counts()
	t.Logf("ten saves in %v, the last one running %v after the first: %d builds restarted by a save during the build, %d published",
		saved.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), restarts, published-published0)

	// A sentinel save: if any other build had been published after the
	// final one, it would show up before this one in the events or counts.
	setGeneration(t, h.source, last+1, writeRename)
	h.hook.expect(t, counterEvent{"stop", last, "soak", 7})
	h.hook.expect(t, counterEvent{"start", last + 1, "soak", 7})
	// The publishes are logged in order: once the sentinel's is in, any
	// other after the first state's would be too.
	h.hook.waitPublished(t, published0+2)
	published, _, most := h.hook.counts()
	if n := published - published0; n != 2 {
		t.Errorf("%d plugins published for the ten saves and the sentinel, want 2 (one of the final state, one sentinel)", n)
	}
	if most != 1 {
		t.Errorf("%d counter controllers ran at once, want 1", most)
	}
	// The loader may be writing its manifest until it stops.
	h.stop(t)
	h.checkManifest(t)
}

// soakReloads is the number of reloads TestSoak makes.
const soakReloads = 100

// TestSoak reloads the counter controller 100 times in one host process
// (set HOTBUS_SOAK=1 to run it; about a second per reload). Every reload
// must succeed, one counter controller runs at a time, and goroutines come
// back to where they were after the first reload; the RSS growth per
// reload (the old code stays mapped) is reported, not asserted.
func TestSoak(t *testing.T) {
	if os.Getenv("HOTBUS_SOAK") == "" {
		t.Skip("set HOTBUS_SOAK=1 to run the soak of 100 reloads")
	}
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	baseline := runtime.NumGoroutine()
	h := startCounterHost(t, false)
	var rss1, gor1 int
	started := time.Now()
	for i := 1; i <= soakReloads; i++ {
		gen := h.gen0 + i
		setGeneration(t, h.source, gen, writeRename)
		h.hook.expect(t, counterEvent{"stop", gen - 1, "soak", 7})
		h.hook.expect(t, counterEvent{"start", gen, "soak", 7})
		if i == 1 {
			rss1, gor1 = rssKB(t), runtime.NumGoroutine()
		}
		if i%10 == 0 {
			t.Logf("reload %d: rss %d MB, %d goroutines, %v", i, rssKB(t)/1024, runtime.NumGoroutine(), time.Since(started).Round(time.Second))
		}
	}
	rss, gor := rssKB(t), runtime.NumGoroutine()
	published, _, most := h.hook.counts()
	t.Logf("%d reloads in %v (%d plugins published so far); RSS %d MB after the first, %d MB after the last: %.1f MB per reload; goroutines %d after the first, %d after the last",
		soakReloads, time.Since(started).Round(time.Second), published, rss1/1024, rss/1024,
		float64(rss-rss1)/1024/float64(soakReloads-1), gor1, gor)
	if most != 1 {
		t.Errorf("%d counter controllers ran at once, want 1", most)
	}
	// A few goroutines come and go (timers, the reload log line); a leak
	// per reload would be 99 or more.
	if gor > gor1+10 {
		t.Errorf("goroutines grew from %d after the first reload to %d after the last", gor1, gor)
	}

	// After the host stops, the goroutines return to the baseline. There
	// is no signal for the runtime's count: poll it, with a deadline.
	h.stop(t)
	h.checkManifest(t)
	published, _, _ = h.hook.counts()
	t.Logf("%d plugins published in all, with the first build", published)
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > baseline+5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline+5 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the host stopped, baseline %d:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	} else {
		t.Logf("goroutines: %d before the host, %d after it stopped", baseline, n)
	}
}

// rssKB returns this process's resident set size in KiB.
func rssKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
