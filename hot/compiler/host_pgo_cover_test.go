package hot_compiler_test

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/internal/hostinfo"
)

// encodeJSON is a workload to profile: JSON encoding and sorting, Go code
// that the runtime (maps, allocation) and the packages a host links run
// too. It returns how many fields it sorted.
func encodeJSON(t *testing.T) int {
	m := make(map[string][]string, 64)
	for i := range 64 {
		m[strings.Repeat("k", i)] = strings.Fields(strings.Repeat("v ", i))
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(b), ",")
	slices.Sort(parts)
	return len(parts)
}

// sortInts is another workload: filling maps of ints and sorting.
func sortInts(*testing.T) int {
	m := make(map[int]int, 4096)
	for i := range 4096 {
		m[i*7919%4096] = i
	}
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return len(keys)
}

// writeCPUProfile writes a valid CPU profile to path: runtime/pprof's
// record of a short run of work.
func writeCPUProfile(t *testing.T, path string, work func(*testing.T) int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Skipf("CPU profiling is in use (go test -cpuprofile?): %v", err)
	}
	end := time.Now().Add(300 * time.Millisecond)
	n := 0
	for time.Now().Before(end) {
		n += work(t)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("profiled %d work items into %s", n, path)
}

// buildTestHost builds the test host (testdata/host) with flags into dir
// and returns its path and build settings.
func buildTestHost(t *testing.T, dir string, flags ...string) (string, map[string]string) {
	t.Helper()
	host := filepath.Join(dir, "host")
	args := append(append([]string{"build"}, flags...), "-o", host, "./testdata/host")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	bi, err := buildinfo.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	return host, hostinfo.SettingMap(bi)
}

// hostOptions are the options of a boilerplate plugin for the host binary.
func hostOptions(t *testing.T, dir, host, binaryID string) hot_compiler.Options {
	return hot_compiler.Options{
		WorkDir:    repoRoot,
		Packages:   []string{boilerplatePkg},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   binaryID,
		HostBinary: host,
		Logger:     testLogger(t),
	}
}

// runInHost runs the host binary with the plugin and env, and fails unless
// the boilerplate controller from the plugin greeted.
func runInHost(t *testing.T, host, plugin string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, host, plugin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("host: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "hello from boilerplate controller: trimmed host") {
		t.Errorf("host output:\n%s", out)
	}
}

// TestBuildForPGOHost: a host built with a PGO profile (go build's
// -pgo=auto uses the main package's default.pgo and records its absolute
// path, as -pgo=<file> does) compiles every package with it, so a plugin
// built without it is refused ("plugin was built with a different version
// of package internal/runtime/maps"). The compiler builds the plugin with
// the host's profile and it runs in the host. Once the profile changed
// (build info records its path, not its contents), the built plugin is
// refused and not published, with the profile named as the likely cause;
// the host rebuilt with it, the plugin is rebuilt too and runs. Once the
// profile is gone, the build fails first, naming the file and what to do.
func TestBuildForPGOHost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a host and plugins")
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "default.pgo")
	writeCPUProfile(t, profile, encodeJSON)
	host, settings := buildTestHost(t, dir, "-pgo="+profile)
	if got := settings["-pgo"]; got != profile {
		t.Fatalf("the host's build info records -pgo=%q, want %q", got, profile)
	}

	res := build(t, hostOptions(t, dir, host, "boilerplate-pgo"))
	if !slices.Contains(res.Build.Flags, "-pgo="+profile) {
		t.Errorf("flags %q do not pass the host's profile", res.Build.Flags)
	}
	runInHost(t, host, res.PluginPath)

	writeCPUProfile(t, profile, sortInts)
	_, err := tryBuild(t, hostOptions(t, dir, host, "boilerplate-pgo-changed"))
	t.Logf("after the profile changed: %v", err)
	for _, want := range []string{"would be refused", "-pgo (the profile's contents)", "modified at", "restore it as it was, or rebuild the host"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("build after the profile changed: got %v, want an error containing %q", err, want)
		}
	}

	// The fix the message gives: rebuild the host. The published plugin
	// has the same build hash (build info names the same profile path)
	// but no longer fits: it is rebuilt with the new profile, and runs.
	if host2, _ := buildTestHost(t, dir, "-pgo="+profile); host2 != host {
		t.Fatalf("the host was rebuilt at %s, not %s", host2, host)
	}
	res = build(t, hostOptions(t, dir, host, "boilerplate-pgo"))
	if res.Unchanged {
		t.Error("the plugin built with the old profile was kept for the host built with the new one")
	}
	runInHost(t, host, res.PluginPath)

	if err := os.Remove(profile); err != nil {
		t.Fatal(err)
	}
	_, err = tryBuild(t, hostOptions(t, dir, host, "boilerplate-pgo-gone"))
	for _, want := range []string{"PGO profile " + profile, "restore " + profile, "rebuild the host"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("build after the profile was removed: got %v, want an error containing %q", err, want)
		}
	}
}

// TestBuildForCoverHost: a host built with -cover (build info records
// -cover=true only) instruments the packages of its main module, hotbus's
// hot/plugin among them, so a plugin built without the same coverage is
// refused. The compiler mirrors the go command's default (-cover
// -coverpkg=<main module>/...): the plugin runs in the host, which writes
// its coverage. A host built with -covermode=atomic can't be mirrored
// (build info doesn't record it): the compiler publishes nothing and says
// why.
func TestBuildForCoverHost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hosts and plugins")
	}
	dir := t.TempDir()
	host, settings := buildTestHost(t, dir, "-cover")
	if got := settings["-cover"]; got != "true" {
		t.Fatalf("the host's build info records -cover=%q, want true", got)
	}
	res := build(t, hostOptions(t, dir, host, "boilerplate-cover"))
	for _, want := range []string{"-cover", "-coverpkg=github.com/hotbus/hotbus/...", "-pgo=off"} {
		if !slices.Contains(res.Build.Flags, want) {
			t.Errorf("flags %q lack %s", res.Build.Flags, want)
		}
	}
	covdir := t.TempDir()
	runInHost(t, host, res.PluginPath, "GOCOVERDIR="+covdir)
	if ents, err := os.ReadDir(covdir); err != nil || len(ents) == 0 {
		t.Errorf("the -cover host wrote no coverage data into GOCOVERDIR (%v)", err)
	}

	atomicDir := t.TempDir()
	atomicHost, _ := buildTestHost(t, atomicDir, "-cover", "-covermode=atomic")
	_, err := tryBuild(t, hostOptions(t, atomicDir, atomicHost, "boilerplate-cover-atomic"))
	for _, want := range []string{"would be refused", "-coverpkg, -covermode", "build the host without -coverpkg and -covermode"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a host built with -covermode=atomic: got %v, want an error containing %q", err, want)
		}
	}
}
