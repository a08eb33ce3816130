package hot_compiler_test

import (
	"context"
	"os"
	"path/filepath"
	"plugin"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/core"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
	"golang.org/x/tools/txtar"
)

// repoRoot is the hotbus module root, relative to this package.
const repoRoot = "../.."

// boilerplatePkg is controllerbus's example controller, from the module cache.
const boilerplatePkg = "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"

// testLogger returns a debug logger that writes to the test log.
func testLogger(t testing.TB) *logrus.Entry {
	t.Helper()
	return testutil.Logger(testutil.LogWriter(t))
}

// expandFixture writes testdata/<name>.txtar into a temp dir, with the
// hotbus go.sum copied into app/, and returns the dir.
func expandFixture(t testing.TB, name string) string {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// build runs one Build with opts, failing the test on error.
func build(t testing.TB, opts hot_compiler.Options) *hot_compiler.Result {
	t.Helper()
	res, err := tryBuild(t, opts)
	if err != nil {
		t.Fatalf("build %v: %v", opts.Packages, err)
	}
	t.Logf("built %s in %+v", res.PluginPath, res.Timings)
	return res
}

// tryBuild runs one Build with opts and returns its result and error;
// options NewCompiler refuses fail the test.
func tryBuild(t testing.TB, opts hot_compiler.Options) (*hot_compiler.Result, error) {
	t.Helper()
	c, err := hot_compiler.NewCompiler(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return c.Build(ctx)
}

// boilerplateBuild is the boilerplate plugin, built once per test binary.
var boilerplateBuild struct {
	once sync.Once
	res  *hot_compiler.Result
	out  string
	err  error
}

// buildBoilerplate builds controllerbus's boilerplate controller once.
func buildBoilerplate(t testing.TB) (*hot_compiler.Result, string) {
	t.Helper()
	boilerplateBuild.once.Do(func() {
		out, err := os.MkdirTemp("", "hotbus-compiler-test-")
		if err != nil {
			boilerplateBuild.err = err
			return
		}
		boilerplateBuild.out = out
		c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
			WorkDir:    repoRoot,
			Packages:   []string{boilerplatePkg},
			OutputDir:  filepath.Join(out, "plugins"),
			CodegenDir: filepath.Join(out, "codegen"),
			BinaryID:   "boilerplate",
			Logger:     testLogger(t),
		})
		if err != nil {
			boilerplateBuild.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		boilerplateBuild.res, boilerplateBuild.err = c.Build(ctx)
	})
	if boilerplateBuild.err != nil {
		t.Fatalf("build boilerplate: %v", boilerplateBuild.err)
	}
	return boilerplateBuild.res, boilerplateBuild.out
}

// logHook signals each log message that contains want, in its text or
// its error field.
type logHook struct {
	want string
	seen chan string
}

// Levels returns every level.
func (h *logHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire signals matching messages: the text, and if the match is in the
// error field, ": " and the error.
func (h *logHook) Fire(e *logrus.Entry) error {
	msg := e.Message
	if err, ok := e.Data[logrus.ErrorKey].(error); ok && !strings.Contains(msg, h.want) {
		msg += ": " + err.Error()
	}
	if strings.Contains(msg, h.want) {
		select {
		case h.seen <- msg:
		default:
		}
	}
	return nil
}

// runPlugin opens the plugin at path, puts its resolver on a new bus,
// loads a controller with conf through a LoadControllerWithConfig
// directive and waits until the controller logs a message containing
// want (in its text or its error). It returns that message.
func runPlugin(t *testing.T, path string, conf config.Config, want string) string {
	t.Helper()
	p, err := plugin.Open(path)
	if err != nil {
		t.Fatalf("plugin.Open(%s): %v", path, err)
	}
	sym, err := p.Lookup(hot_plugin.PluginSymbol)
	if err != nil {
		t.Fatal(err)
	}
	hpp, ok := sym.(*hot_plugin.HotPlugin)
	if !ok {
		t.Fatalf("symbol %s is %T, want *hot_plugin.HotPlugin", hot_plugin.PluginSymbol, sym)
	}
	hp := *hpp

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	le := testLogger(t)
	hook := &logHook{want: want, seen: make(chan string, 1)}
	le.Logger.AddHook(hook)
	b, _, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hp.NewHotResolver(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := b.AddController(ctx, resolver.NewController(le, b, res), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	_, ref, err := b.AddDirective(resolver.NewLoadControllerWithConfig(conf), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Release()
	select {
	case msg := <-hook.seen:
		return msg
	case <-ctx.Done():
		t.Fatalf("plugin %s: no log line containing %q", path, want)
		return ""
	}
}

// TestMain removes the shared boilerplate build after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if boilerplateBuild.out != "" {
		_ = os.RemoveAll(boilerplateBuild.out)
	}
	os.Exit(code)
}
