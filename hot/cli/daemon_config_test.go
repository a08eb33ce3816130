package hot_cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// TestDaemonRefusesABadConfig runs the daemon on config sets with one
// mistake each, beside a valid loader entry: each must exit 1 at once,
// name the file, the entry and the field, and start nothing (no
// controller, no manifest written by the loader).
func TestDaemonRefusesABadConfig(t *testing.T) {
	const loader = "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, watch: true}\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty file", "", "bus.yaml: hot: the config set has no entries"},
		{"unparsable", "hot-loader: {dir: [\n", "bus.yaml: parse config set"},
		{"unknown field", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, wacth: true}\n",
			`bus.yaml: hot-loader (hotbus/loader/filesystem): config: unknown field "wacth" (known: dir, watch, debounceDur, allowInsecurePermissions, allowExternalSymlinks): did you mean "watch"?`},
		{"negative debounce", loader + "hot-compiler:\n  id: hotbus/compiler\n  config: {packages: [./x], outputDir: ./plugins, pluginBinaryId: x, debounceDur: -1s}\n",
			`bus.yaml: hot-compiler (hotbus/compiler): config: invalid: debounceDur "-1s" is negative`},
		{"absurd debounce", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, debounceDur: 2h}\n",
			`bus.yaml: hot-loader (hotbus/loader/filesystem): config: invalid: debounceDur "2h" is longer than 1m0s`},
		{"duplicate key", loader + "hot-compiler:\n  id: hotbus/compiler\n  config:\n    packages: [./x]\n    pluginBinaryId: x\n    outputDir: ./plugins\n    outputDir: ./elsewhere\n",
			`bus.yaml: hot-compiler: config: key "outputDir" is given twice`},
		{"entry without id", loader + "counter:\n  config: {count: 1}\n", "bus.yaml: counter: id: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			plugins := filepath.Join(dir, "plugins")
			if err := os.Mkdir(plugins, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "bus.yaml"), []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			code, stderr := runDaemonDebug(t, "daemon", "--config", "bus.yaml")
			if code != 1 || !strings.Contains(stderr, "hot-builder daemon: "+tc.want) {
				t.Fatalf("exit %d, want 1 with %q; stderr:\n%s", code, tc.want, stderr)
			}
			for _, started := range []string{"daemon running", "starting controller"} {
				if strings.Contains(stderr, started) {
					t.Errorf("the daemon started something (%q) before refusing the config:\n%s", started, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(plugins, hot_manifest.FileName)); err == nil {
				t.Errorf("a loader ran and wrote its manifest although the config was refused")
			}
		})
	}
}

// runDaemonDebug runs hot-builder with args, logging at debug level, and
// returns the exit code and stderr. A daemon that does not exit by itself
// is stopped after a while, and then exits 0.
func runDaemonDebug(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	l := logrus.New()
	l.Out = &stderr
	l.SetLevel(logrus.DebugLevel)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	code := hot_cli.Run(ctx, &hot_cli.Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Logger: logrus.NewEntry(l),
		Getenv: func(string) string { return "" },
	}, args)
	return code, stderr.String()
}

// TestDaemonResolvesPathsAgainstTheYAMLDir starts the daemon from one
// directory with a config set in another: the loader's relative dir must
// be found beside the YAML file, not in the current directory.
func TestDaemonResolvesPathsAgainstTheYAMLDir(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "bus.yaml"), []byte("hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, watch: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())

	logs := newLineWriter()
	l := logrus.New()
	l.Out = logs
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exited := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		exited <- hot_cli.Run(ctx, &hot_cli.Env{Stdout: &stderr, Stderr: &stderr, Logger: logrus.NewEntry(l), Getenv: func(string) string { return "" }},
			[]string{"daemon", "--config", filepath.Join(conf, "bus.yaml")})
	}()
	// The plugins dir does not exist yet: the loader says where it waits.
	want := "plugins-dir=" + filepath.Join(conf, "plugins")
	for {
		line := logs.next(t, exited, &stderr)
		if strings.Contains(line, "plugins dir does not exist") {
			if !strings.Contains(line, want+" ") && !strings.HasSuffix(line, want) {
				t.Errorf("the loader waits for the wrong dir, want %s:\n%s", want, line)
			}
			break
		}
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("daemon exited %d; its output:\n%s", code, stderr.String())
	}
}
