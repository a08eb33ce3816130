package hot_compiler_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
)

// childFixture expands testdata/child.txtar with github.com/hotbus/hotbus
// replaced by hotbusDir, and returns the fixture's dir.
func childFixture(t *testing.T, hotbusDir string) string {
	t.Helper()
	dir := expandFixture(t, "child")
	abs, err := filepath.Abs(hotbusDir)
	if err != nil {
		t.Fatal(err)
	}
	gomod := filepath.Join(dir, "app", "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\nreplace github.com/hotbus/hotbus => "+filepath.ToSlash(abs)+"\n")...)
	if err := os.WriteFile(gomod, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// childOptions are the compiler options of a process-target build of the
// child fixture in dir, into dir/out.
func childOptions(t *testing.T, dir string) hot_compiler.Options {
	t.Helper()
	return hot_compiler.Options{
		Target:     hot_compiler.TargetProcess,
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "out", "plugins"),
		CodegenDir: filepath.Join(dir, "out", "codegen"),
		BinaryID:   "child",
		Logger:     testLogger(t),
	}
}

// runChild starts the child executable at path with hot_ipc's host side,
// checks that it offers the boilerplate config ID, runs a controller with
// exampleField through Exec and returns the line it logged ("child ran:
// ...").
func runChild(t *testing.T, path, exampleField string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	le := testLogger(t)
	hook := &logHook{want: "child ran: ", seen: make(chan string, 1)}
	le.Logger.AddHook(hook)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The default socket dir: the OS temp dir, or /tmp when that is too
	// long for a socket path (a test's own temp dir can be, under a long
	// TMPDIR).
	c, err := hot_ipc.Start(ctx, hot_ipc.StartConfig{Path: path, SHA256: sum[:], Logger: le})
	if err != nil {
		t.Fatalf("start child %s: %v", path, err)
	}
	defer func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("close child: %v", err)
		}
	}()
	info := c.Info()
	if ids := info.ConfigIDs(); !slices.Contains(ids, boilerplate_controller.ConfigID) {
		t.Fatalf("child %s offers config IDs %v, want %s", path, ids, boilerplate_controller.ConfigID)
	}
	if info.BinaryID != "child" {
		t.Errorf("child binary ID %q, want child", info.BinaryID)
	}
	// Exec returns when the controller stops: it runs until the child is
	// closed.
	execErr := make(chan error, 1)
	go func() {
		execErr <- c.Exec(ctx, boilerplate_controller.ConfigID, []byte(`{"exampleField":"`+exampleField+`"}`), nil)
	}()
	select {
	case msg := <-hook.seen:
		return msg
	case err := <-execErr:
		t.Fatalf("exec %s in the child returned before the controller logged: %v", boilerplate_controller.ConfigID, err)
	case <-ctx.Done():
		t.Fatalf("child %s: the controller logged no line containing %q", path, hook.want)
	}
	return ""
}

// readTree returns every file under dir with its content, by path
// relative to dir.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestProcessTargetBuildsAChild builds the child fixture with target
// process: a plain executable published with its build manifest, which
// hot_ipc's host side starts and runs a controller in; the same sources
// are not rebuilt; an edit of a local module the hot package imports is
// built into the next child and the older build is removed; the user's
// module is never written, and no build tree is left.
func TestProcessTargetBuildsAChild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	testutil.DownloadModules(t, repoRoot)
	dir := childFixture(t, repoRoot)
	app := filepath.Join(dir, "app")
	before := readTree(t, app)
	opts := childOptions(t, dir)
	c, err := hot_compiler.NewCompiler(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(opts.OutputDir, "child-"+res.Build.BuildHash+hot_manifest.ProcessSuffix)
	if res.PluginPath != want {
		t.Errorf("published %s, want %s", res.PluginPath, want)
	}
	fi, err := os.Stat(res.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && (fi.Mode().Perm()&0o100 == 0 || fi.Mode().Perm()&0o022 != 0) {
		t.Errorf("child mode %v, want executable by its owner and writable by nobody else", fi.Mode())
	}
	m, err := hot_manifest.ReadBuild(res.PluginPath)
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != hot_compiler.TargetProcess || m.BuildHash != res.Build.BuildHash || m.BuildPrefix != "" ||
		!slices.Equal(m.ConfigIDs, []string{boilerplate_controller.ConfigID}) || !slices.Equal(m.Packages, []string{"example.com/child/ctrl"}) {
		t.Errorf("build manifest %+v", m)
	}
	if got := runChild(t, res.PluginPath, "one"); !strings.Contains(got, "child ran: rev-1 hello from lib symbol=ControllerBusHotPlugin one") {
		t.Errorf("the child logged %q", got)
	}

	again, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Unchanged || again.PluginPath != res.PluginPath {
		t.Errorf("a build of the same sources was not a no-op: %+v", again)
	}

	greet := filepath.Join(dir, "lib", "greet", "greet.go")
	if err := os.WriteFile(greet, []byte("package greet\n\n// Hello returns a greeting.\nfunc Hello() string { return \"edited lib\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	edited, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Unchanged || edited.PluginPath == res.PluginPath {
		t.Fatalf("the edit of the local module was not rebuilt: %+v", edited)
	}
	if !slices.Equal(edited.Removed, []string{res.PluginPath}) {
		t.Errorf("removed %v, want the older build %s", edited.Removed, res.PluginPath)
	}
	if got := runChild(t, edited.PluginPath, "two"); !strings.Contains(got, "child ran: rev-1 edited lib symbol=ControllerBusHotPlugin two") {
		t.Errorf("the rebuilt child logged %q", got)
	}
	ents, err := os.ReadDir(opts.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	base := strings.TrimSuffix(filepath.Base(edited.PluginPath), hot_manifest.ProcessSuffix)
	if !slices.Equal(names, []string{base + hot_manifest.ProcessSuffix, base + hot_manifest.BuildSuffix}) {
		t.Errorf("plugins dir holds %v, want the new child and its build manifest", names)
	}

	after := readTree(t, app)
	if len(after) != len(before) {
		t.Errorf("the build changed the user's module: files %v, were %v", keys(after), keys(before))
	}
	for p, data := range before {
		if after[p] != data {
			t.Errorf("the build wrote the user's file %s", p)
		}
	}
	ents, err = os.ReadDir(opts.CodegenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "build-") {
			t.Errorf("build tree %s left in the codegen dir", e.Name())
		}
	}
}

// keys returns the sorted keys of m.
func keys(m map[string]string) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

// TestProcessTargetRunsAnEditedHostPackage builds the child fixture
// against a copy of hotbus in which hot/plugin, a package this test
// binary (the host) links, was edited: the in-process target refuses such
// an edit (TestEditedSharedPackageFailsBeforePublish), the process target
// builds it, and the child runs the edited code.
func TestProcessTargetRunsAnEditedHostPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	testutil.DownloadModules(t, repoRoot)
	hostSrc := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(repoRoot, f), filepath.Join(hostSrc, f))
	}
	for _, pkg := range []string{"plugin", "ipc"} {
		ents, err := os.ReadDir(filepath.Join(repoRoot, "hot", pkg))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				copyFile(t, filepath.Join(repoRoot, "hot", pkg, e.Name()), filepath.Join(hostSrc, "hot", pkg, e.Name()))
			}
		}
	}
	pluginGo := filepath.Join(hostSrc, "hot", "plugin", "plugin.go")
	data, err := os.ReadFile(pluginGo)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte(`const PluginSymbol = "ControllerBusHotPlugin"`), []byte(`const PluginSymbol = "EditedHotPlugin"`), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("hot/plugin/plugin.go declares PluginSymbol differently: update the test")
	}
	if err := os.WriteFile(pluginGo, edited, 0o644); err != nil {
		t.Fatal(err)
	}

	dir := childFixture(t, hostSrc)
	res := build(t, childOptions(t, dir))
	if got := runChild(t, res.PluginPath, "edited"); !strings.Contains(got, "symbol=EditedHotPlugin edited") {
		t.Errorf("the child did not run the edited hot/plugin: it logged %q", got)
	}
}

// TestProcessTargetCompileErrorPublishesNothing breaks the hot package
// after a first build, as the plugin target's tests do: a type error is an
// *analysis.AnalysisError naming the user's file, an error only go build
// finds (a link error) is a *BuildError; either way nothing is published
// and the first build stays.
func TestProcessTargetCompileErrorPublishesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	testutil.DownloadModules(t, repoRoot)
	dir := childFixture(t, repoRoot)
	opts := childOptions(t, dir)
	c, err := hot_compiler.NewCompiler(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "app", "ctrl", "broken.go")
	if err := os.WriteFile(broken, []byte("package ctrl\n\nvar _ int = \"not an int\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(ctx)
	var ae *analysis.AnalysisError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), broken+":3:") {
		t.Errorf("a type error: %v (%T), want an *analysis.AnalysisError naming %s", err, err, broken)
	}
	// Compiles, but does not link: only go build finds this.
	src := "package ctrl\n\nimport _ \"unsafe\"\n\n//go:linkname brokenLink example.com/lib/greet.missing\nfunc brokenLink() int64\n\nfunc init() { _ = brokenLink() }\n"
	if err := os.WriteFile(broken, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(ctx)
	var be *hot_compiler.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("a link error: %v (%T), want a *BuildError", err, err)
	}
	if !strings.Contains(be.Output, "relocation target example.com/lib/greet.missing") || !strings.Contains(err.Error(), "nothing was published") {
		t.Errorf("the build error does not name the missing function or say nothing was published:\n%v", err)
	}
	if strings.Contains(be.Output, opts.CodegenDir) {
		t.Errorf("the build error names the build tree:\n%s", be.Output)
	}
	ents, err := os.ReadDir(opts.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Errorf("plugins dir holds %v, want only the first build and its manifest", ents)
	}
	if _, err := os.Stat(res.PluginPath); err != nil {
		t.Errorf("the running build is gone after a failed build: %v", err)
	}
}

// TestProcessTargetNeedsHotbusInTheModule builds in a module that does not
// require github.com/hotbus/hotbus: the error says that the child links
// hot/ipc and how to add it.
func TestProcessTargetNeedsHotbusInTheModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	testutil.DownloadModules(t, repoRoot)
	dir := expandFixture(t, "fixture")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		Target:     hot_compiler.TargetProcess,
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(context.Background())
	var me *hot_compiler.ChildModuleError
	if !errors.As(err, &me) {
		t.Fatalf("build error %v (%T), want a *ChildModuleError", err, err)
	}
	for _, want := range []string{"github.com/hotbus/hotbus/hot/ipc", "go get github.com/hotbus/hotbus", filepath.Join(dir, "app", "go.mod")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "plugins")); len(ents) != 0 {
		t.Errorf("a failed build published %v", ents)
	}
}

// TestProcessTargetInAWorkspace builds the child fixture with a go.work
// that uses the app and the lib: go build runs in the workspace as it is,
// and the child runs.
func TestProcessTargetInAWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	testutil.DownloadModules(t, repoRoot)
	dir := childFixture(t, repoRoot)
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte("go 1.25.0\n\nuse (\n\t./app\n\t./lib\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, dir)
	res := build(t, childOptions(t, dir))
	if got := runChild(t, res.PluginPath, "work"); !strings.Contains(got, "child ran: rev-1 hello from lib symbol=ControllerBusHotPlugin work") {
		t.Errorf("the child logged %q", got)
	}
	after := readTree(t, dir)
	for p, data := range before {
		if after[p] != data {
			t.Errorf("the build wrote the user's file %s", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok && !strings.HasPrefix(p, "out"+string(filepath.Separator)) {
			t.Errorf("the build wrote %s into the user's tree", p)
		}
	}
}

// TestProcessTargetCodegen writes a child's build tree without building
// it: the generated main calls hot_ipc.Serve with the hot package's
// factory, the overlay puts it into the user's module root, and the
// module's go.mod is copied, not written.
func TestProcessTargetCodegen(t *testing.T) {
	testutil.DownloadModules(t, repoRoot)
	dir := childFixture(t, repoRoot)
	opts := childOptions(t, dir)
	c, err := hot_compiler.NewCompiler(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Codegen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile(filepath.Join(res.CodegenDir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`ctrl "example.com/child/ctrl"`, "ctrl.NewFactory(b)", "hot_ipc.Serve(BinaryID, BinaryVersion, BinaryFactories)"} {
		if !strings.Contains(string(main), want) {
			t.Errorf("the generated main does not say %s:\n%s", want, main)
		}
	}
	overlay, err := os.ReadFile(filepath.Join(res.CodegenDir, "overlay.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(overlay), filepath.Join(dir, "app", "hotbus_child_")) {
		t.Errorf("the overlay does not put the main into the module root %s:\n%s", filepath.Join(dir, "app"), overlay)
	}
	gomod, err := os.ReadFile(filepath.Join(res.CodegenDir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := os.ReadFile(filepath.Join(dir, "app", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gomod, user) {
		t.Errorf("the go.mod copy differs from the user's:\n%s", gomod)
	}
	if res.Build.Target != hot_compiler.TargetProcess {
		t.Errorf("build manifest target %q", res.Build.Target)
	}
}
