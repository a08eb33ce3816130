package hot_compiler_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/sirupsen/logrus"
)

// messageHook records every log message.
type messageHook struct {
	mu   sync.Mutex
	msgs []string
}

// Levels returns every level.
func (h *messageHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire records the message.
func (h *messageHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, e.Message)
	h.mu.Unlock()
	return nil
}

// take returns the messages recorded since the last call.
func (h *messageHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	msgs := h.msgs
	h.msgs = nil
	return msgs
}

// TestWarmBuildSaysNothingOfACold cache builds the fixture, then an edit
// of it: the second build finds the runtime and every dependency in the
// build cache, so it must not log that it compiles them, and its progress
// reaches its total. Then a link error, which only go build finds, is
// reported as the go command's own text, without the package names go
// build -v adds.
func TestWarmBuildSaysNothingOfAColdCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "fixture")
	le := testLogger(t)
	hook := &messageHook{}
	le.Logger.AddHook(hook)
	var (
		mu   sync.Mutex
		last hot_compiler.BuildProgress
	)
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
		Logger:     le,
		Progress: func(p hot_compiler.BuildProgress) {
			mu.Lock()
			last = p
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Build(ctx); err != nil {
		t.Fatal(err)
	}
	hook.take()

	src := filepath.Join(dir, "app", "ctrl", "ctrl.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(from, to string) {
		t.Helper()
		if !strings.Contains(string(data), from) {
			t.Fatalf("%s has no %q", src, from)
		}
		data = []byte(strings.Replace(string(data), from, to, 1))
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit(`"rev-1"`, `"rev-2"`)
	res, err := c.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged {
		t.Fatal("an edit was not rebuilt")
	}
	for _, msg := range hook.take() {
		if strings.Contains(msg, "not compiled for plugins") || strings.Contains(msg, "10 s or more") {
			t.Errorf("a warm build (%s) logged: %s", res.Timings.Build, msg)
		}
	}
	mu.Lock()
	p := last
	mu.Unlock()
	if !p.Finished || p.Cold || p.Done == 0 || p.Done != p.Total || p.BinaryID != "fixture" {
		t.Errorf("last progress of a warm build = %+v, want Finished, not Cold, Done = Total > 0", p)
	}

	// Type checks and compiles, but does not link: only go build sees it.
	broken := filepath.Join(dir, "app", "ctrl", "broken.go")
	link := "package ctrl\n\nimport _ \"unsafe\"\n\n//go:linkname brokenLink example.com/lib/greet.missing\nfunc brokenLink() int64\n\nfunc init() { _ = brokenLink() }\n"
	if err := os.WriteFile(broken, []byte(link), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(ctx)
	var be *hot_compiler.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("Build of a link error: %v, want a *BuildError", err)
	}
	if !strings.HasPrefix(be.Output, "# ") || !strings.Contains(be.Output, "example.com/lib/greet.missing") {
		t.Errorf("compiler output is not the linker's, about example.com/lib/greet.missing:\n%s", be.Output)
	}
	// go build -v prints each package's import path on a line of its own.
	for _, l := range strings.Split(strings.TrimSpace(be.Output), "\n") {
		if !strings.Contains(l, " ") {
			t.Errorf("compiler output has a line that is not the compiler's: %q\n%s", l, be.Output)
		}
	}
}
