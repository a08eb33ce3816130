package hot_compiler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/core"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// treePkg is the source of a hot package of the tree test: it serves
// the config ID "tree/<name>" through the names fixture's helper mk.
const treePkg = `// Package %[1]s is a hot package of the tree test.
package %[1]s

import (
	"example.com/names/mk"
	"github.com/aperturerobotics/controllerbus/bus"
)

// ConfigID is the config ID.
const ConfigID = "tree/%[1]s"

// NewFactory builds the factory of ConfigID.
func NewFactory(b bus.Bus) *bus.BusFactory[*mk.Config, *mk.Controller] {
	return mk.Make(b, ConfigID)
}
`

// writeTreePkg writes the hot package name into dir, creating dir.
func writeTreePkg(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".go"), fmt.Appendf(nil, treePkg, name), 0o644); err != nil {
		t.Fatal(err)
	}
}

// packagesHook reports the compiler's "hot packages changed" lines, as
// the fields added and removed.
type packagesHook chan [2]string

// Levels returns every level.
func (h packagesHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire reports the lines that say the hot packages changed.
func (h packagesHook) Fire(e *logrus.Entry) error {
	if e.Level == logrus.InfoLevel && strings.HasPrefix(e.Message, "hot packages changed: ") {
		added, _ := e.Data["packages-added"].(string)
		removed, _ := e.Data["packages-removed"].(string)
		select {
		case h <- [2]string{added, removed}:
		default:
		}
	}
	return nil
}

// busOnly is the compiler controller on a bus, resolving its directives,
// while the test runs its Execute.
type busOnly struct{ *hot_compiler.Controller }

// Execute waits for ctx.
func (b busOnly) Execute(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// TestTreePatternFollowsPackagesAddedAndRemoved runs a watching compiler
// controller on "./ctrls/..." with one package, edits it, then adds a package (a
// directory, then its file, as an editor makes them), adds another two
// levels deeper (both directories at once), and removes the first with
// everything below it: each time a new plugin is published whose build
// manifest has exactly the config IDs of the packages there are, and the
// compiler logs how the hot packages changed.
func TestTreePatternFollowsPackagesAddedAndRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	dir := expandFixture(t, "names")
	app := filepath.Join(dir, "app")
	ctrls := filepath.Join(app, "ctrls")
	plugins := filepath.Join(dir, "plugins")
	writeTreePkg(t, filepath.Join(ctrls, "a"), "a")

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	le := testLogger(t)
	changed := make(packagesHook, 16)
	le.Logger.AddHook(changed)
	b, _, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	c, err := hot_compiler.NewController(le, b, &hot_compiler.Config{
		WorkDir:        app,
		Packages:       []string{"./ctrls/..."},
		OutputDir:      plugins,
		CodegenDir:     filepath.Join(dir, "codegen"),
		Watch:          true,
		PluginBinaryId: "tree",
	})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := b.AddController(ctx, busOnly{c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	published := make(chan string, 64)
	_, ref, err := b.AddDirective(hot_manifest.NewWatchPublished(plugins), directive.NewTypedCallbackHandler[hot_manifest.WatchPublishedValue](
		func(v directive.TypedAttachedValue[hot_manifest.WatchPublishedValue]) { published <- v.GetValue().Path },
		nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	execCtx, stop := context.WithCancel(ctx)
	exited := make(chan error, 1)
	go func() { exited <- c.Execute(execCtx) }()
	defer func() {
		stop()
		if err := <-exited; err != nil {
			t.Errorf("Execute: %v", err)
		}
	}()

	// expectBuild waits for a published build whose config IDs are want,
	// and returns its build manifest; builds of the states in between
	// (a directory without its file yet) are logged.
	expectBuild := func(want ...string) *hot_manifest.Build {
		t.Helper()
		for {
			select {
			case path := <-published:
				m, err := hot_manifest.ReadBuild(path)
				if err != nil {
					// Removed by a later build already.
					t.Logf("build manifest of %s: %v", path, err)
					continue
				}
				if slices.Equal(m.ConfigIDs, want) {
					return m
				}
				t.Logf("published %s with config IDs %v, waiting for %v", path, m.ConfigIDs, want)
			case <-ctx.Done():
				t.Fatalf("no plugin with config IDs %v published", want)
				return nil
			}
		}
	}
	// expectChanged waits for the lines saying the hot packages changed
	// until added and removed were each named in one.
	expectChanged := func(added, removed []string) {
		t.Helper()
		for len(added)+len(removed) != 0 {
			select {
			case got := <-changed:
				added = slices.DeleteFunc(added, func(p string) bool { return slices.Contains(strings.Fields(got[0]), p) })
				removed = slices.DeleteFunc(removed, func(p string) bool { return slices.Contains(strings.Fields(got[1]), p) })
			case <-ctx.Done():
				t.Fatalf("no log line that the hot packages changed: added %v, removed %v", added, removed)
			}
		}
	}
	const pkgA, pkgB, pkgC = "example.com/names/ctrls/a", "example.com/names/ctrls/b", "example.com/names/ctrls/b/deeper/c"

	expectBuild("tree/a")
	// An edit that the analysis's reuse covers: the next build keeps a
	// record of what it analyzed, which can't see new packages.
	afile := filepath.Join(ctrls, "a", "a.go")
	src, err := os.ReadFile(afile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(afile, append(src, "\n// edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	expectBuild("tree/a")

	bdir := filepath.Join(ctrls, "b")
	if err := os.Mkdir(bdir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTreePkg(t, bdir, "b")
	expectBuild("tree/a", "tree/b")
	expectChanged([]string{pkgB}, nil)

	writeTreePkg(t, filepath.Join(bdir, "deeper", "c"), "c")
	expectBuild("tree/a", "tree/b", "tree/c")
	expectChanged([]string{pkgC}, nil)

	if err := os.RemoveAll(bdir); err != nil {
		t.Fatal(err)
	}
	m := expectBuild("tree/a")
	expectChanged(nil, []string{pkgB, pkgC})
	if !slices.Equal(m.Packages, []string{pkgA}) {
		t.Errorf("last build's packages = %v, want [%s]", m.Packages, pkgA)
	}
}
