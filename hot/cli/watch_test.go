package hot_cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// TestWatchPublishesEachSave runs "hot-builder watch" without a host over
// a copy of the reload fixture: it must publish a plugin, then after an
// edit of the source a new build with the edit, printing each path, and
// exit 0 when stopped.
func TestWatchPublishesEachSave(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := t.TempDir()
	if err := os.CopyFS(mod, os.DirFS(filepath.Join("..", "testdata", "reload"))); err != nil {
		t.Fatal(err)
	}
	plugins := filepath.Join(t.TempDir(), "plugins")
	stdout := newLineWriter()
	var stderr syncBuffer
	l := logrus.New()
	l.Out = &stderr
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- hot_cli.Run(ctx, &hot_cli.Env{Stdout: stdout, Stderr: &stderr, Logger: logrus.NewEntry(l), Getenv: func(string) string { return "" }},
			[]string{"watch", "--work-dir", mod, "--output", plugins, "--codegen-dir", t.TempDir(), "--binary-id", "counter", "./counter"})
	}()
	// Stopped, and waited for, before the temp dirs go.
	defer func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("watch exited %d when stopped; its log:\n%s", code, stderr.String())
		}
	}()

	first := stdout.next(t, exited, &stderr)
	b1, err := hot_manifest.ReadBuild(first)
	if err != nil {
		t.Fatal(err)
	}

	src := filepath.Join(mod, "counter", "controller.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = regexp.MustCompile(`(?m)^const Generation = .*$`).ReplaceAll(data, []byte("const Generation = 2"))
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	second := stdout.next(t, exited, &stderr)
	b2, err := hot_manifest.ReadBuild(second)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || b2.BuildHash == b1.BuildHash {
		t.Fatalf("the edit published no new build: %s (%s), then %s (%s)", first, b1.BuildHash, second, b2.BuildHash)
	}
	if filepath.Dir(second) != plugins || b2.BinaryID != "counter" {
		t.Errorf("build %s (binary ID %q) is not the counter plugin in %s", second, b2.BinaryID, plugins)
	}
}

// lineWriter sends every line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

// newLineWriter returns an empty lineWriter.
func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 64)} }

// Write buffers p and sends each complete line.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// next waits for the next line; exited and log explain a command that
// ended first (its code is put back for the test's cleanup).
func (w *lineWriter) next(t *testing.T, exited chan int, log *syncBuffer) string {
	t.Helper()
	select {
	case line := <-w.lines:
		return strings.TrimSpace(line)
	case code := <-exited:
		exited <- code
		t.Fatalf("the command exited (%d); its log:\n%s", code, log.String())
	case <-time.After(daemonStep):
		t.Fatalf("no line within %v; the log:\n%s", daemonStep, log.String())
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
