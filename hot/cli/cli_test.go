package hot_cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	// The test binary is the plugins' host: it must be able to load them.
	_ "plugin"
	"runtime"
	"strings"
	"testing"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// boilerplatePkg is controllerbus's example controller, from the module cache.
const boilerplatePkg = "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"

// run runs hot-builder with args and environment vars, returning the
// exit code, stdout and stderr.
func run(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	l := logrus.New()
	l.Out = &stderr
	code := hot_cli.Run(context.Background(), &hot_cli.Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Logger: logrus.NewEntry(l),
		Getenv: func(k string) string { return vars[k] },
	}, args)
	return code, stdout.String(), stderr.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-help"}, {"compile", "--help"}, {"codegen", "-h"}, {"help", "compile"},
		{"watch", "--help"}, {"daemon", "--help"}, {"manifest", "--help"}, {"bench", "--help"}} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "USAGE:\n   hot-builder") {
			t.Errorf("%v: exit %d, stdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
		}
	}
	for cmd, vars := range map[string][]string{
		"compile":  {"HOTBUS_OUTPUT", "HOTBUS_WORK_DIR", "HOTBUS_CODEGEN_DIR", "HOTBUS_BINARY_ID", "HOTBUS_BINARY_VERSION", "HOTBUS_BUILD_PREFIX", "HOTBUS_HOST_BINARY", "HOTBUS_HOST_MODULE_DIR", "HOTBUS_KEEP_CODEGEN", "HOTBUS_NO_CLEANUP", "HOTBUS_TARGET"},
		"codegen":  {"HOTBUS_TARGET"},
		"watch":    {"HOTBUS_OUTPUT", "HOTBUS_WORK_DIR", "HOTBUS_DEBOUNCE", "HOTBUS_HOST_BINARY", "HOTBUS_TARGET"},
		"daemon":   {"HOTBUS_CONFIG"},
		"manifest": {"HOTBUS_PLUGINS_DIR"},
	} {
		code, stdout, _ := run(t, nil, cmd, "--help")
		for _, v := range vars {
			if !strings.Contains(stdout, "$"+v) {
				t.Errorf("%s --help (exit %d) does not list the environment variable %s:\n%s", cmd, code, v, stdout)
			}
		}
	}
	if code, _, stderr := run(t, nil); code != 2 || !strings.Contains(stderr, "COMMANDS:") {
		t.Errorf("no command: exit %d, want 2 with the command list on stderr:\n%s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := run(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "hot-builder version ") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("--version: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func TestShellCompletion(t *testing.T) {
	code, stdout, stderr := run(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(stdout, "complete") || !strings.Contains(stdout, "hot-builder") {
		t.Errorf("completion bash: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// What the script asks at the prompt for a command's flags. (At the
	// top level urfave/cli reads os.Args, which in a test are the test's.)
	code, stdout, _ = run(t, nil, "daemon", "--co", "--generate-shell-completion")
	if code != 0 || !strings.Contains(stdout, "--config") {
		t.Errorf("completing a daemon flag (exit %d) does not offer --config:\n%s", code, stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"compile"}, {"compile", "--bad-flag"}} {
		if code, _, stderr := run(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr:\n%s", args, code, stderr)
		}
	}
}

func TestCompileWithEnvironmentFallbacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOTBUS_WORK_DIR":       "../..",
		"HOTBUS_CODEGEN_DIR":    filepath.Join(dir, "codegen"),
		"HOTBUS_OUTPUT":         filepath.Join(dir, "plugins", "bp-{buildHash}.cbus.so"),
		"HOTBUS_BINARY_ID":      "bp",
		"HOTBUS_BINARY_VERSION": "1.2.3+{buildHash}",
		"HOTBUS_HOST_BINARY":    self,
	}
	code, stdout, stderr := run(t, vars, "compile", boilerplatePkg)
	if code != 0 {
		t.Fatalf("compile: exit %d:\n%s", code, stderr)
	}
	path := strings.TrimSpace(stdout)
	if !strings.HasPrefix(filepath.Base(path), "bp-") || filepath.Dir(path) != filepath.Join(dir, "plugins") {
		t.Errorf("plugin path %q does not follow HOTBUS_OUTPUT", path)
	}
	m, err := hot_manifest.ReadBuild(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.BinaryID != "bp" || m.BinaryVersion != "1.2.3+"+m.BuildHash {
		t.Errorf("manifest %+v does not follow the environment", m)
	}

	code, stdout2, stderr := run(t, vars, "compile", "--binary-version", "1.2.3+{buildHash}", boilerplatePkg)
	if code != 0 || strings.TrimSpace(stdout2) != path || !strings.Contains(stderr, "up to date") {
		t.Errorf("second compile: exit %d, path %q, stderr:\n%s", code, stdout2, stderr)
	}
}

// TestCompileTargetProcess builds controllerbus's boilerplate controller
// in hotbus's own module (which provides hot/ipc) as a child executable,
// the target from HOTBUS_TARGET, the output name from --output; and
// refuses an unknown target, naming both.
func TestCompileTargetProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a child executable")
	}
	dir := t.TempDir()
	vars := map[string]string{"HOTBUS_TARGET": "process"}
	code, stdout, stderr := run(t, vars, "compile", "--work-dir", "../..", "--codegen-dir", filepath.Join(dir, "codegen"),
		"--output", filepath.Join(dir, "plugins", "bp-{buildHash}.cbus.exe"), "--binary-id", "bp", boilerplatePkg)
	if code != 0 {
		t.Fatalf("compile --target process: exit %d:\n%s", code, stderr)
	}
	path := strings.TrimSpace(stdout)
	if !strings.HasPrefix(filepath.Base(path), "bp-") || !strings.HasSuffix(path, hot_manifest.ProcessSuffix) || filepath.Dir(path) != filepath.Join(dir, "plugins") {
		t.Errorf("child path %q does not follow --output", path)
	}
	m, err := hot_manifest.ReadBuild(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != hot_manifest.TargetProcess || m.BinaryID != "bp" {
		t.Errorf("build manifest %+v, want target process", m)
	}

	code, _, stderr = run(t, nil, "compile", "--target", "dll", "--work-dir", "../..", "--output", filepath.Join(dir, "plugins"), "--binary-id", "bp", boilerplatePkg)
	if code == 0 || !strings.Contains(stderr, `"dll"`) || !strings.Contains(stderr, `"process"`) {
		t.Errorf("compile --target dll: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestCodegenKeepsTheTree(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := run(t, nil, "codegen", "--work-dir", "../..", "--codegen-dir", dir, "--binary-id", "bp", boilerplatePkg)
	if code != 0 {
		t.Fatalf("codegen: exit %d:\n%s", code, stderr)
	}
	tree := strings.TrimSpace(stdout)
	if !strings.HasPrefix(tree, dir) {
		t.Fatalf("tree %q is not under the codegen dir %s", tree, dir)
	}
	for _, f := range []string{"plugin/go.mod", "plugin/plugin.go", "modules/github.com/aperturerobotics/controllerbus/go.mod",
		"modules/github.com/aperturerobotics/controllerbus/example/boilerplate/controller/controller.go"} {
		if _, err := os.Stat(filepath.Join(tree, f)); err != nil {
			t.Errorf("the tree lacks %s: %v", f, err)
		}
	}
}
