package hot_manifest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// A tool reads what the loader of a plugins directory has loaded from the
// manifest file the loader keeps there (as "hot-builder manifest" does).
func ExampleReadFile() {
	dir, err := os.MkdirTemp("", "plugins-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// What a loader writes after each change.
	err = hot_manifest.WriteFile(dir, &hot_manifest.Manifest{
		Dir:       dir,
		UpdatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		Plugins: []hot_manifest.Plugin{
			{Path: filepath.Join(dir, "demo-1a2b.cbus.so"), BinaryID: "demo", BinaryVersion: "0.0.1+1a2b", State: hot_manifest.StateSuperseded},
			{Path: filepath.Join(dir, "demo-3c4d.cbus.so"), BinaryID: "demo", BinaryVersion: "0.0.1+3c4d", State: hot_manifest.StateLoaded, ConfigIDs: []string{"my/controller"}},
		},
	})
	if err != nil {
		panic(err)
	}

	m, err := hot_manifest.ReadFile(filepath.Join(dir, hot_manifest.FileName))
	if err != nil {
		panic(err)
	}
	for _, p := range m.Plugins {
		fmt.Println(filepath.Base(p.Path), p.State, p.BinaryVersion)
	}
	for _, p := range m.Plugins {
		if p.State == hot_manifest.StateLoaded {
			fmt.Println("running:", p.BinaryID, p.ConfigIDs)
		}
	}
	// Output:
	// demo-1a2b.cbus.so superseded 0.0.1+1a2b
	// demo-3c4d.cbus.so loaded 0.0.1+3c4d
	// running: demo [my/controller]
}

// The compiler writes a build manifest beside each plugin it publishes;
// ReadBuild reads it from the plugin's path.
func ExampleReadBuild() {
	dir, err := os.MkdirTemp("", "plugins-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	plugin := filepath.Join(dir, "demo-3c4d.cbus.so")
	fmt.Println(filepath.Base(hot_manifest.BuildPath(plugin)))
	// What the compiler writes (here by hand).
	if err := os.WriteFile(hot_manifest.BuildPath(plugin), []byte(`{"binaryId":"demo","binaryVersion":"0.0.1+3c4d","buildHash":"3c4d","goVersion":"go1.26.8","configIds":["my/controller"]}`), 0o644); err != nil {
		panic(err)
	}

	b, err := hot_manifest.ReadBuild(plugin)
	if err != nil {
		panic(err)
	}
	fmt.Println(b.BinaryID, b.BuildHash, b.ConfigIDs)
	// Output:
	// demo-3c4d.cbus.json
	// demo 3c4d [my/controller]
}
