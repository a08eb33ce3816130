package hot_cli_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
)

// daemonStep bounds each wait on the daemon: a cold first plugin build
// takes well over 10 s.
const daemonStep = 4 * time.Minute

// TestDaemonFromUserModule is the case real users have: their own module
// requires hotbus, holds the hot package, and runs hot-builder daemon with
// "workDir: ." in its bus YAML. The daemon is built from the user's module
// (as "go run" and "go build" do), with and without -trimpath; it must
// compile the package, load it, run the controller, and reload it after an
// edit.
func TestDaemonFromUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hot-builder and Go plugins")
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"go build", nil},
		{"go build -trimpath", []string{"-trimpath"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod := userModule(t)
			bin := filepath.Join(t.TempDir(), "hot-builder")
			goCmd(t, mod, append(append([]string{"build"}, tc.flags...), "-o", bin, "github.com/hotbus/hotbus/cmd/hot-builder")...)

			d := startDaemon(t, mod, bin)
			d.waitFor(t, regexp.MustCompile(`msg="counter start".*counter-generation=1 `))

			src := filepath.Join(mod, "counter", "controller.go")
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			data = regexp.MustCompile(`(?m)^const Generation = .*$`).ReplaceAll(data, []byte("const Generation = 2"))
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			d.waitFor(t, regexp.MustCompile(`msg="counter stop".*counter-generation=1 `))
			d.waitFor(t, regexp.MustCompile(`msg="counter start".*counter-generation=2 `))
			d.stop(t)
		})
	}
}

// userModule writes a module that requires this checkout of hotbus and
// holds the reload fixture's counter package, and a bus.yaml for it.
func userModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	if err := os.CopyFS(filepath.Join(mod, "counter"), os.DirFS(filepath.Join(root, "hot", "testdata", "reload", "counter"))); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": userGoMod(t, root),
		// hotbus's go.sum has every line the user module needs.
		"go.sum": string(readFile(t, filepath.Join(root, "go.sum"))),
		// Keeps hot-builder's dependencies in go.mod, as users do for tools.
		"tools.go": "//go:build tools\n\npackage tools\n\nimport _ \"github.com/hotbus/hotbus/cmd/hot-builder\"\n",
		"bus.yaml": `loader:
  id: hotbus/loader/filesystem
  config: {dir: ./plugins, watch: true}
compiler:
  id: hotbus/compiler
  config:
    workDir: .
    packages: [./counter]
    outputDir: ./plugins
    watch: true
    pluginBinaryId: counter
counter:
  id: example/reload/counter
  config: {name: user, count: 7}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return mod
}

// userGoMod returns the go.mod of a module that requires hotbus from the
// checkout at root, with hotbus's own requirements, as "go get" would
// write it. (go mod tidy would need the go.mod files of modules no build
// downloads, and the test runs offline.)
func userGoMod(t *testing.T, root string) string {
	t.Helper()
	data := readFile(t, filepath.Join(root, "go.mod"))
	hotbus, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &modfile.File{}
	check := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	check(f.AddModuleStmt("example.com/usermod"))
	check(f.AddGoStmt("1.25.0"))
	f.AddNewRequire(hotbus.Module.Mod.Path, "v0.0.0", false)
	for _, r := range hotbus.Require {
		f.AddNewRequire(r.Mod.Path, r.Mod.Version, true)
	}
	check(f.AddReplace(hotbus.Module.Mod.Path, "", root, ""))
	f.SetRequireSeparateIndirect(f.Require)
	out, err := f.Format()
	check(err)
	return string(out)
}

// readFile returns the content of path.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// goCmd runs the go command in dir, offline.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// daemon is a running hot-builder daemon whose log the test reads.
type daemon struct {
	cmd   *exec.Cmd
	lines chan string
	log   strings.Builder
}

// startDaemon starts bin daemon --config bus.yaml in mod, with env added
// to its environment.
func startDaemon(t *testing.T, mod, bin string, env ...string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, "daemon", "--config", "bus.yaml")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		defer close(d.lines)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return d
}

// waitFor waits for a log line matching re.
func (d *daemon) waitFor(t *testing.T, re *regexp.Regexp) {
	t.Helper()
	timeout := time.After(daemonStep)
	for {
		select {
		case line, ok := <-d.lines:
			if !ok {
				t.Fatalf("daemon exited before logging %s; its log:\n%s", re, d.log.String())
			}
			d.log.WriteString(line + "\n")
			if strings.Contains(line, "level=error") {
				t.Fatalf("daemon logged an error while waiting for %s; its log:\n%s", re, d.log.String())
			}
			if re.MatchString(line) {
				return
			}
		case <-timeout:
			t.Fatalf("no log line matching %s within %s; the daemon's log:\n%s", re, daemonStep, d.log.String())
		}
	}
}

// stop interrupts the daemon and checks it exits 0.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for line := range d.lines {
		d.log.WriteString(line + "\n")
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("daemon did not exit cleanly on interrupt: %v; its log:\n%s", err, d.log.String())
	}
}

// TestDaemonStopsInOrderOnInterrupt interrupts a daemon running a
// controller from a plugin: the controller must get its stop, the daemon
// exit 0, and the loader's private copies of the plugin be gone from the
// daemon's temp dir.
func TestDaemonStopsInOrderOnInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hot-builder and Go plugins")
	}
	mod := userModule(t)
	bin := filepath.Join(t.TempDir(), "hot-builder")
	goCmd(t, mod, "build", "-o", bin, "github.com/hotbus/hotbus/cmd/hot-builder")
	tmp := t.TempDir()

	d := startDaemon(t, mod, bin, "TMPDIR="+tmp)
	d.waitFor(t, regexp.MustCompile(`msg="counter start".*counter-generation=1 `))
	if dirs, _ := filepath.Glob(filepath.Join(tmp, "hotbus-*")); len(dirs) == 0 {
		t.Fatalf("the loader made no private dir in the daemon's TMPDIR %s: the test would prove nothing", tmp)
	}
	start := time.Now()
	d.stop(t)
	t.Logf("the daemon stopped %v after the interrupt", time.Since(start).Round(time.Millisecond))
	if !regexp.MustCompile(`msg="counter stop".*counter-generation=1 `).MatchString(d.log.String()) {
		t.Errorf("the controller did not get its stop; the daemon's log:\n%s", d.log.String())
	}
	if !strings.Contains(d.log.String(), `msg="daemon stopped"`) {
		t.Errorf("the daemon did not say it stopped; its log:\n%s", d.log.String())
	}
	left, err := filepath.Glob(filepath.Join(tmp, "hotbus-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("left behind in the daemon's TMPDIR: %q", left)
	}
}
