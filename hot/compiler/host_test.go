package hot_compiler_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// TestBuildForHostBinary builds hosts in ways other than the test binary
// (with -trimpath and extra tags; stamped from version control, as a plain
// go build in a clean git clone is), then builds the boilerplate plugin
// for each binary (read from the file) and runs it in that host.
func TestBuildForHostBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hosts and plugins")
	}
	for _, tc := range []struct {
		name      string
		flags     []string
		wantFlags []string
		needsVCS  bool
	}{
		// A -trimpath host built from source is built for in workspace
		// mode, which loads the go.mod file of every module in the graph:
		// on a fresh machine, "go mod download" in the host's module
		// fetches them, as the compiler's error message says.
		{"trimpath and tags", []string{"-trimpath", "-tags", "hostextra"}, []string{"-trimpath", "-tags=controllerbus_hot_plugin,hostextra"}, false},
		// The main module's version is then a pseudo-version no proxy has.
		{"stamped from git", []string{"-buildvcs=true"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsVCS {
				if err := exec.Command("git", "-C", repoRoot, "rev-parse", "HEAD").Run(); err != nil {
					t.Skipf("not a git checkout with a commit (%v): nothing to stamp", err)
				}
			}
			if slices.Contains(tc.flags, "-trimpath") {
				if out, err := exec.Command("go", "mod", "download").CombinedOutput(); err != nil {
					t.Fatalf("go mod download: %v\n%s", err, out)
				}
			}
			dir := t.TempDir()
			host := filepath.Join(dir, "host")
			args := append(append([]string{"build"}, tc.flags...), "-o", host, "./testdata/host")
			if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
				t.Fatalf("build host: %v\n%s", err, out)
			}
			res := build(t, hot_compiler.Options{
				WorkDir:    repoRoot,
				Packages:   []string{boilerplatePkg},
				OutputDir:  filepath.Join(dir, "plugins"),
				CodegenDir: filepath.Join(dir, "codegen"),
				BinaryID:   "boilerplate-host",
				HostBinary: host,
				Logger:     testLogger(t),
			})
			for _, f := range tc.wantFlags {
				if !contains(res.Build.Flags, f) {
					t.Errorf("flags %v do not mirror the host's %s", res.Build.Flags, f)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, host, res.PluginPath).CombinedOutput()
			if err != nil {
				t.Fatalf("host: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "hello from boilerplate controller: trimmed host") {
				t.Errorf("host output:\n%s", out)
			}
		})
	}
}

// contains reports whether list has s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
