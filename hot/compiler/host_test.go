package hot_compiler_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// TestBuildForTrimmedHostBinary builds a host with -trimpath and extra
// tags, then builds the boilerplate plugin for that binary (read from
// the file) and runs it in the host.
func TestBuildForTrimmedHostBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a host and a plugin")
	}
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "hostextra", "-o", host, "./testdata/host")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build host: %v\n%s", err, out)
	}
	res := build(t, hot_compiler.Options{
		WorkDir:    repoRoot,
		Packages:   []string{boilerplatePkg},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "boilerplate-trimmed",
		HostBinary: host,
		Logger:     testLogger(t),
	})
	if !contains(res.Build.Flags, "-trimpath") || !contains(res.Build.Flags, "-tags=controllerbus_hot_plugin,hostextra") {
		t.Errorf("flags %v do not mirror the host's", res.Build.Flags)
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
