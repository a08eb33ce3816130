package hot_compiler_test

import (
	"context"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/internal/hostinfo"
	"google.golang.org/protobuf/encoding/protowire"
)

// writePGOProfile writes a CPU profile (pprof's protobuf) to path whose
// only samples are calls of callee from main.main. PGO takes the callee of
// a hot edge as hot and lets it be inlined with a budget of 2000 instead of
// 80, so a callee too big to inline otherwise (fmt.Sprintf costs 192) is
// exported with its body: its package's export data, and so the package
// hash the Go runtime compares at plugin.Open, follows the profile. A
// profile sampled from a real run is not deterministic: under -race and
// load, two different workloads once gave the same hot functions.
func writePGOProfile(t *testing.T, path, callee string) {
	t.Helper()
	str := []string{"", "samples", "count", "cpu", "nanoseconds", "main.main", callee, "main.go"}
	idx := func(s string) uint64 { return uint64(slices.Index(str, s)) }
	varint := func(b []byte, num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
	}
	msg := func(b []byte, num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
	}
	var p []byte
	// sample_type = 1: samples/count and cpu/nanoseconds.
	p = msg(p, 1, varint(varint(nil, 1, idx("samples")), 2, idx("count")))
	p = msg(p, 1, varint(varint(nil, 1, idx("cpu")), 2, idx("nanoseconds")))
	// sample = 2: the stack, leaf first (location 1 in callee, location 2
	// in main.main), then the values.
	p = msg(p, 2, varint(varint(varint(varint(nil, 1, 1), 1, 2), 2, 1000), 2, 1000*10_000_000))
	// Per function: location = 4 {id = 1, line = 4 {function_id = 1,
	// line = 2}} and function = 5 {id = 1, name = 2, system_name = 3,
	// filename = 4, start_line = 5}.
	for id, name := range []string{callee, "main.main"} {
		id := uint64(id + 1)
		p = msg(p, 4, msg(varint(nil, 1, id), 4, varint(varint(nil, 1, id), 2, 12)))
		p = msg(p, 5, varint(varint(varint(varint(varint(nil, 1, id), 2, idx(name)), 3, idx(name)), 4, idx("main.go")), 5, 10))
	}
	// string_table = 6.
	for _, s := range str {
		p = msg(p, 6, []byte(s))
	}
	if err := os.WriteFile(path, p, 0o644); err != nil {
		t.Fatal(err)
	}
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
	writePGOProfile(t, profile, "fmt.Sprintf")
	host, settings := buildTestHost(t, dir, "-pgo="+profile)
	if got := settings["-pgo"]; got != profile {
		t.Fatalf("the host's build info records -pgo=%q, want %q", got, profile)
	}

	res := build(t, hostOptions(t, dir, host, "boilerplate-pgo"))
	if !slices.Contains(res.Build.Flags, "-pgo="+profile) {
		t.Errorf("flags %q do not pass the host's profile", res.Build.Flags)
	}
	runInHost(t, host, res.PluginPath)

	writePGOProfile(t, profile, "fmt.Sprint")
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
