package hot_cli_bench

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/internal/testutil"
)

// TestBenchRunsOnce runs the demo scenario once, to keep the bench
// working. It asserts what was measured, never how fast.
func TestBenchRunsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	testutil.DownloadModules(t, repoRoot)
	// The loader makes its private directory in the system temp dir.
	sysTmp := t.TempDir()
	t.Setenv("TMPDIR", sysTmp)
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Repo: repoRoot, Runs: 1, Reloads: 1,
		Scenarios: []string{"demo"}, TempDir: t.TempDir(), Progress: &progress,
	})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	if left, _ := filepath.Glob(filepath.Join(sysTmp, "hotbus-*")); len(left) != 0 {
		t.Errorf("the bench left %v in the system temp dir", left)
	}
	if len(rep.Scenarios) != 1 {
		t.Fatalf("%d scenarios, want 1", len(rep.Scenarios))
	}
	s := rep.Scenarios[0]
	for name, st := range map[string]Stats{"floor": s.Floor, "reload": s.Reload, "restart": s.Restart, "no-op": s.NoOp} {
		if st.N != 1 || st.Median <= 0 {
			t.Errorf("%s: %+v, want one sample", name, st)
		}
	}
	if s.Memory.PluginSize == 0 || len(s.Memory.Points) == 0 || s.Memory.Points[0].RSS == 0 {
		t.Errorf("memory not measured: %+v", s.Memory)
	}
	if _, ok := s.Steps["build"]; !ok {
		t.Errorf("no step times from the loader's reload line: %v", s.Steps)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "(b)/(a)") {
		t.Errorf("table lacks the ratios:\n%s", table.String())
	}
	if err := rep.WriteJSON(filepath.Join(t.TempDir(), "bench.json")); err != nil {
		t.Fatal(err)
	}
}

// TestRunRefusesAScenarioTwice checks that a scenario listed twice is
// refused before anything is built.
func TestRunRefusesAScenarioTwice(t *testing.T) {
	_, err := Run(context.Background(), Options{
		Repo: repoRoot, Runs: 1, Scenarios: []string{"syn", "syn20"}, SynPackages: 20, TempDir: t.TempDir(),
	})
	if err == nil || !strings.Contains(err.Error(), "scenario syn20 is listed twice") {
		t.Fatalf("error %v, want one that says syn20 is listed twice", err)
	}
}
