package hot_compiler_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// TestBuildForVendoredHost builds a host in a module in vendor mode, with
// and without -trimpath, then builds the boilerplate plugin for it (the
// hot package is read from the host's vendor directory) and runs it in
// that host.
func TestBuildForVendoredHost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hosts and plugins")
	}
	for _, tc := range []struct {
		name  string
		flags []string
		// removeVendor removes the vendor directory after the host build.
		removeVendor bool
	}{
		{"plain", nil, false},
		{"trimpath", []string{"-trimpath"}, false},
		{"plain without its vendor dir", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := expandFixture(t, "vendored")
			app := filepath.Join(dir, "app")
			root, err := filepath.Abs(repoRoot)
			if err != nil {
				t.Fatal(err)
			}
			editFile(t, filepath.Join(app, "go.mod"), "=> HOTBUS", "=> "+root)
			src, err := os.ReadFile(filepath.Join("testdata", "host", "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(app, "host"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(app, "host", "main.go"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			goCmd(t, app, "mod", "vendor")
			host := filepath.Join(dir, "host")
			goCmd(t, app, append(append([]string{"build"}, tc.flags...), "-o", host, "./host")...)
			opts := hot_compiler.Options{
				WorkDir:    app,
				Packages:   []string{boilerplatePkg},
				OutputDir:  filepath.Join(dir, "plugins"),
				CodegenDir: filepath.Join(dir, "codegen"),
				BinaryID:   "vendored",
				HostBinary: host,
				Logger:     testLogger(t),
			}
			if tc.removeVendor {
				// The work dir then resolves the modules from the cache.
				if err := os.RemoveAll(filepath.Join(app, "vendor")); err != nil {
					t.Fatal(err)
				}
				c, err := hot_compiler.NewCompiler(context.Background(), opts)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Build(context.Background())
				if err == nil || !strings.Contains(err.Error(), "was built from a vendor directory without -trimpath") ||
					!strings.Contains(err.Error(), "build the host with -trimpath") {
					t.Fatalf("build for a vendored host without its vendor dir: %v, want the vendor directory named as the cause", err)
				}
				t.Log(err)
				return
			}
			res := build(t, opts)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, host, res.PluginPath).CombinedOutput()
			if err != nil {
				t.Fatalf("host: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "hello from boilerplate controller") {
				t.Errorf("host output:\n%s", out)
			}
		})
	}
}

// goCmd runs the go command in dir, offline, failing the test on error.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	if args[0] == "build" {
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=vendor", "GOWORK=off")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
