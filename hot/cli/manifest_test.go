package hot_cli_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

func TestManifestPrintsWhatIsLoaded(t *testing.T) {
	dir := t.TempDir()
	m := &hot_manifest.Manifest{
		Dir:       dir,
		UpdatedAt: time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC),
		Plugins: []hot_manifest.Plugin{
			{Path: filepath.Join(dir, "a.cbus.so"), BinaryID: "demo", BinaryVersion: "1.0.0", State: hot_manifest.StateLoaded, ConfigIDs: []string{"x/a", "x/b"}},
			{Path: filepath.Join(dir, "b.cbus.so"), State: hot_manifest.StateFailed, Error: "not an ELF file\nsecond line"},
			{Path: filepath.Join(dir, "c.cbus.exe"), BinaryID: "child", BinaryVersion: "2.0.0", State: hot_manifest.StateLoaded,
				Mode: hot_manifest.ModeProcess, PID: 4242, Restarts: 3, LastExit: "child executable c (pid 7) exited: signal: killed; last stderr lines:\n\tboom"},
		},
	}
	if err := hot_manifest.WriteFile(dir, m); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, nil, "manifest", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"a.cbus.so", "loaded", "demo", "1.0.0", "x/a,x/b", "b.cbus.so", "failed", "not an ELF file second line",
		"c.cbus.exe", "process", "4242", " 3 ", "signal: killed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = run(t, map[string]string{"HOTBUS_PLUGINS_DIR": dir}, "manifest", "--json")
	got, err := hot_manifest.Unmarshal([]byte(stdout))
	if code != 0 || err != nil || len(got.Plugins) != 3 || got.Plugins[0].BinaryID != "demo" {
		t.Fatalf("manifest --json: exit %d, err %v, got %+v", code, err, got)
	}
}

func TestManifestOfADirectoryWithoutLoader(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(t, nil, "manifest", "--dir", dir)
	if code != 1 || !strings.Contains(stderr, hot_manifest.FileName) || !strings.Contains(stderr, "loader") {
		t.Fatalf("exit %d, want 1 with an error naming the file and the loader:\n%s", code, stderr)
	}
}
