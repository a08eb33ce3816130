package hot_cli_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// Run runs a hot-builder command line, here "hot-builder manifest" on a
// plugins directory, and returns its exit code.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "plugins-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// What a loader writes after each change.
	if err := hot_manifest.WriteFile(dir, &hot_manifest.Manifest{
		Dir:       "/srv/app/plugins",
		UpdatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		Plugins: []hot_manifest.Plugin{{
			Path: filepath.Join(dir, "demo-3c4d.cbus.so"), BinaryID: "demo", BinaryVersion: "0.0.1+3c4d",
			State: hot_manifest.StateLoaded, ConfigIDs: []string{"my/controller"},
		}},
	}); err != nil {
		panic(err)
	}

	code := hot_cli.Run(context.Background(), &hot_cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}, []string{"manifest", "--dir", dir})
	if code != 0 {
		panic(code)
	}
	// Output:
	// /srv/app/plugins (updated 2026-11-30T12:00:00Z)
	// FILE               STATE   MODE  BINARY ID  VERSION     PID  RESTARTS  CONFIG IDS     LAST EXIT  ERROR
	// demo-3c4d.cbus.so  loaded  -     demo       0.0.1+3c4d  -    -         my/controller  -          -
}
