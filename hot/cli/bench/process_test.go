package hot_cli_bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/internal/testutil"
)

// TestProcessModeMeasured measures process mode for the demo scenario
// with one floor run and two reloads: every figure is measured, the old
// children are gone, the table has process mode's rows, and nothing is
// left in TMPDIR. It asserts what was measured, never how fast.
func TestProcessModeMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("builds child executables")
	}
	testutil.DownloadModules(t, repoRoot)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	repo := repoRoot
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info")
	}
	tmpl, err := readTemplates(repo)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	o := &Options{Repo: repo, Runs: 1}
	p, err := measureProcess(context.Background(), o, bi, tmpl, demoScenario(), filepath.Join(t.TempDir(), "process"), 2,
		func(format string, args ...any) { fmt.Fprintf(&progress, format+"\n", args...) })
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if p.Floor.N != 1 || p.Floor.Median <= 0 || p.Reload.N != 2 || p.Reload.Median <= 0 || p.ReloadOverFloor <= 0 {
		t.Errorf("times not measured: floor %+v, reload %+v, ratio %v", p.Floor, p.Reload, p.ReloadOverFloor)
	}
	if p.ChildSize == 0 || p.Memory.PluginSize == 0 || p.Memory.RSSBase == 0 || len(p.Memory.Points) != 2 {
		t.Errorf("sizes or memory not measured: child %d, %+v", p.ChildSize, p.Memory)
	}
	if p.ChildrenAfter != 1 && p.ChildrenAfter != -1 { // -1: no /proc to count them
		t.Errorf("%d child processes after the last reload, want 1 (the running child)", p.ChildrenAfter)
	}
	if _, ok := p.Steps["build"]; !ok {
		t.Errorf("no step times from the loader's reload line: %v", p.Steps)
	}
	if n := childProcesses(); n > 0 {
		t.Errorf("%d child processes left after the host stopped", n)
	}
	rep := &Report{Scenarios: []*ScenarioReport{{Name: "demo", Process: p}}}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go build of a plain child", "new Execute in a new child", "children after the last reload"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left in TMPDIR: %v", ents)
	}
}
