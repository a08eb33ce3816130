package hot_loader_filesystem_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
)

// nobodyUID is the uid the tests that need a user without root's powers
// run as, when the test binary runs as root.
const nobodyUID = 65534

// envChildPlugin hands a child test process (see runAsNobody) the path of
// an echov1 build, since it can't build plugins itself.
const envChildPlugin = "HOTBUS_TEST_ECHO_PLUGIN"

// expectFailed waits until the plugin file at path is failed in the
// manifest with an error that names it and says every one of subs, and
// until the log has a line about it.
func expectFailed(t *testing.T, tb *testBus, mw *watcher[*hot_manifest.Manifest], path string, subs ...string) hot_manifest.Plugin {
	t.Helper()
	rec := waitManifest(t, mw, path, hot_manifest.StateFailed)
	for _, s := range append([]string{path}, subs...) {
		if !strings.Contains(rec.Error, s) {
			t.Errorf("%s: error %q does not say %q", filepath.Base(path), rec.Error, s)
		}
	}
	line := []string{"plugin not loaded", "plugin-path=" + path}
	if len(subs) != 0 {
		line = append(line, subs[0])
	}
	tb.logs.WaitLine(t, waitTimeout, line...)
	return rec
}

// buildPlainSharedObject compiles a C shared library: an ELF shared object
// that is not a Go plugin.
func buildPlainSharedObject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "plain.c")
	if err := os.WriteFile(src, []byte("int plain(void) { return 42; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plain.so")
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	return out
}

// otherLogrusFlags returns build flags that build a plugin against another
// version of github.com/sirupsen/logrus, a module the host (this test
// binary) links: a copy of the host's version with one more file, put in
// by a replace in a -modfile copy of go.mod.
func otherLogrusFlags(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/sirupsen/logrus").Output()
	if err != nil {
		t.Fatalf("go list logrus: %v", err)
	}
	dir := t.TempDir()
	fork := filepath.Join(dir, "logrus")
	if err := os.CopyFS(fork, os.DirFS(strings.TrimSpace(string(out)))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fork, "hotbus_fork.go"), []byte("package logrus\n\n// HotbusFork marks this copy.\nvar HotbusFork = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gomod = append(gomod, []byte("\nreplace github.com/sirupsen/logrus => "+fork+"\n")...)
	modfile := filepath.Join(dir, "go.mod")
	if err := os.WriteFile(modfile, gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Copy(filepath.Join(dir, "go.sum"), "../../../go.sum", 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"-modfile=" + modfile}
}

// initPanicPlugins builds two plugins that link one copy of the initpanic
// package, under an import path of this run's own, returned as pkg. The
// package's init panics, and a process refuses a package whose init
// panicked for good: with the fixed path, a second run of the test in one
// process (go test -count=2) would see its first plugin refused before its
// init could panic.
func initPanicPlugins(t *testing.T) (a, b, pkg string) {
	t.Helper()
	dir := "initpanic_" + sanitize(uniq(t, "pkg"))
	pkg = testdataPkg[:strings.Index(testdataPkg, "plugins/")] + dir
	main, err := os.ReadFile(filepath.Join("testdata", "plugins", "initpanic", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := `"` + testdataPkg[:strings.Index(testdataPkg, "plugins/")] + `initpanic"`
	if !bytes.Contains(main, []byte(fixed)) {
		t.Fatalf("testdata/plugins/initpanic/main.go does not import %s", fixed)
	}
	mainCopy := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(mainCopy, bytes.Replace(main, []byte(fixed), []byte(`"`+pkg+`"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "initpanic", "initpanic.go"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(name string) string {
		unique := name + "_" + dir
		return buildPluginOverlay(t, "initpanic", unique, map[string]string{
			filepath.Join("testdata", dir, "initpanic.go"):                       src,
			filepath.Join("testdata", "plugins", "initpanic_"+unique, "main.go"): mainCopy,
		})
	}
	a, b = build("a"), build("b")
	return a, b, pkg
}

// TestFaultsBesideARunningPlugin puts the bad plugin files TestBadInputs
// does not into a plugins dir where another plugin's controller runs: a
// plain shared object, a plugin built against another version of a module
// the host links, a FIFO, a file owned by another user, and a plugin whose
// package init panics, then a second plugin linking that package. Each is
// failed with a clear error in the log and the manifest, the running
// controller is never stopped, the host process survives (a second open of
// the half-initialized package would abort it), nothing is left behind in
// the plugins dir, and a good plugin still loads afterwards.
func TestFaultsBesideARunningPlugin(t *testing.T) {
	other := buildPlugin(t, "other", uniq(t, "other"))
	later := buildPlugin(t, "echov1", uniq(t, "later"))
	logrusFork := buildPlugin(t, "echov1", uniq(t, "logrus"), otherLogrusFlags(t)...)
	initA, initB, initPkg := initPanicPlugins(t)
	plain := buildPlainSharedObject(t)

	dir := t.TempDir()
	publish(t, other, dir, "other.cbus.so")
	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	world := watchProbe(t, tb, "world")
	tb.startLoader(t, dir, true)
	tb.apply(t, otherYAML("world"))
	waitProbe(t, world, "other-v1:world")

	t.Run("plain shared object", func(t *testing.T) {
		path := publish(t, plain, dir, "plain.cbus.so")
		expectFailed(t, tb, mw, path, "not a Go plugin", "go build -buildmode=plugin")
	})
	t.Run("other version of a shared module", func(t *testing.T) {
		path := publish(t, logrusFork, dir, "logrus.cbus.so")
		expectFailed(t, tb, mw, path,
			"would be refused by the Go runtime", "github.com/sirupsen/logrus",
			"module github.com/sirupsen/logrus", " => ")
	})
	t.Run("FIFO", func(t *testing.T) {
		path := filepath.Join(dir, "fifo.cbus.so")
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		// Opening a FIFO for reading blocks until a writer comes: the
		// loader must not hang on it.
		expectFailed(t, tb, mw, path, "not a regular file")
	})
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("chown to another user needs root")
		}
		path := publish(t, later, dir, "foreign.cbus.so")
		if err := os.Chown(path, nobodyUID, nobodyUID); err != nil {
			t.Fatal(err)
		}
		expectFailed(t, tb, mw, path, "owned by uid 65534", "allow_insecure_permissions")
	})
	t.Run("init panics", func(t *testing.T) {
		a := publish(t, initA, dir, "initpanic-a.cbus.so")
		expectFailed(t, tb, mw, a, "a package init panicked", "initpanic: boom in init", "fix the init")
		// A second plugin linking the package whose init did not finish:
		// the runtime would run that init again and abort the process.
		b := publish(t, initB, dir, "initpanic-b.cbus.so")
		expectFailed(t, tb, mw, b, initPkg+" (its init panicked in "+a+")", "restart the host")
	})

	// Nothing but the plugins and the loader's manifest is in the dir.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"fifo.cbus.so", "initpanic-a.cbus.so", "initpanic-b.cbus.so", "logrus.cbus.so", hot_manifest.FileName, "other.cbus.so", "plain.cbus.so"}
	if os.Geteuid() == 0 {
		want = append(want, "foreign.cbus.so")
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("plugins dir holds %v, want %v", names, want)
	}

	// The loader still loads a good plugin, and the other plugin's
	// controller ran untouched throughout.
	echo := watchProbe(t, tb, "after")
	publish(t, later, dir, "echo.cbus.so")
	tb.apply(t, echoYAML("after", 5))
	waitProbe(t, echo, "v1:after:5")
	if hist, _ := world.history(); !slices.Equal(hist, []string{"+other-v1:world"}) {
		t.Errorf("other controller history %v: it should have run untouched", hist)
	}
}

// TestPluginsDirDeletedAndRecreated deletes the watched plugins dir: the
// loader stops the plugin's controllers and waits; when the directory comes
// back with a new build, the controller runs again with its config.
func TestPluginsDirDeletedAndRecreated(t *testing.T) {
	v1 := buildPlugin(t, "echov1", uniq(t, "echov1"))
	v2 := buildPlugin(t, "echov2", uniq(t, "echov2"))
	parent := t.TempDir()
	dir := filepath.Join(parent, "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	first := publish(t, v1, dir, "echo.cbus.so")

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	echo := watchProbe(t, tb, "phoenix")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("phoenix", 4))
	waitProbe(t, echo, "v1:phoenix:4")

	// The loader may write its manifest into the directory while it is
	// being deleted (it saw the plugin go): delete again, as rm -rf would
	// have to.
	for i := 0; ; i++ {
		err := os.RemoveAll(dir)
		if err == nil {
			break
		}
		if i == 100 {
			t.Fatal(err)
		}
	}
	waitProbe(t, echo)
	waitManifest(t, mw, first, hot_manifest.StateRemoved)
	tb.logs.Wait(t, waitTimeout, "stopped watching the plugins dir; waiting for it", "plugins dir does not exist; waiting for it")

	// The directory comes back, with a new build in it.
	staging := filepath.Join(parent, "staging")
	if err := os.Mkdir(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	publish(t, v2, staging, "echo-2.cbus.so")
	if err := os.Rename(staging, dir); err != nil {
		t.Fatal(err)
	}
	waitProbe(t, echo, "v2:phoenix:4")
	waitManifest(t, mw, filepath.Join(dir, "echo-2.cbus.so"), hot_manifest.StateLoaded)

	// And it is watched again: a new build swaps in.
	publish(t, v1, dir, "echo-3.cbus.so")
	waitProbe(t, echo, "v1:phoenix:4")
	hist, most := echo.history()
	want := []string{"+v1:phoenix:4", "-v1:phoenix:4", "+v2:phoenix:4", "-v2:phoenix:4", "+v1:phoenix:4"}
	if most != 1 || !slices.Equal(hist, want) {
		t.Errorf("probe history %v (at most %d at once), want %v", hist, most, want)
	}
}

// TestUnreadablePlugin puts a plugin file its owner can't read beside a
// good one: a clear error, and the good plugin loads. Root reads any file
// whatever its mode, so as root the test runs itself again as uid 65534
// (nobody), in a copy of the test binary that user can execute.
func TestUnreadablePlugin(t *testing.T) {
	v1 := os.Getenv(envChildPlugin)
	if v1 == "" {
		v1 = buildPlugin(t, "echov1", uniq(t, "echov1"))
	}
	if os.Geteuid() == 0 {
		runAsNobody(t, v1)
		return
	}

	dir := t.TempDir()
	publish(t, v1, dir, "echo.cbus.so")
	unreadable := publish(t, v1, dir, "unreadable.cbus.so")
	if err := os.Chmod(unreadable, 0o300); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(unreadable); err == nil {
		f.Close()
		t.Fatalf("uid %d can read a mode 0300 file", os.Geteuid())
	}

	tb := newTestBus(t)
	mw := watchManifest(t, tb, dir)
	echo := watchProbe(t, tb, "readable")
	tb.startLoader(t, dir, true)
	tb.apply(t, echoYAML("readable", 1))
	waitProbe(t, echo, "v1:readable:1")
	expectFailed(t, tb, mw, unreadable, "permission denied", "chmod u+r")
}

// runAsNobody runs the current test in a copy of this test binary as uid
// 65534, handing it the plugin build at plugin, and fails if it fails.
func runAsNobody(t *testing.T, plugin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "hotbus-nobody-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "loader.test")
	if err := atomicfile.Copy(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	plug := filepath.Join(dir, "echo.so")
	if err := atomicfile.Copy(plug, plugin, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envChildPlugin+"="+plug, "HOME="+dir, "TMPDIR=/tmp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("as uid %d:\n%s", nobodyUID, out.String())
	if err != nil {
		t.Fatalf("the test as uid %d: %v", nobodyUID, err)
	}
	if !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Fatalf("the test did not pass as uid %d", nobodyUID)
	}
}
