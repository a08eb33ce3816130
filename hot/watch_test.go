package hot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// watchHook is a reloadHook that also reports the compiler's warnings
// about watched directories, its failed builds, and the message the
// counter logs when the embed test gives it one.
type watchHook struct {
	*reloadHook
	warns    chan string
	failed   chan string
	messages chan string
}

func newWatchHook() *watchHook {
	return &watchHook{
		reloadHook: newReloadHook(),
		warns:      make(chan string, 64),
		failed:     make(chan string, 64),
		messages:   make(chan string, 64),
	}
}

// Fire forwards to the reloadHook, then reports what watchHook adds.
func (h *watchHook) Fire(e *logrus.Entry) error {
	if err := h.reloadHook.Fire(e); err != nil {
		return err
	}
	send := func(ch chan string, s string) {
		select {
		case ch <- s:
		default:
		}
	}
	if dir, ok := e.Data["dir"].(string); ok && e.Level == logrus.WarnLevel {
		send(h.warns, dir)
	}
	if e.Level <= logrus.ErrorLevel && (strings.HasPrefix(e.Message, "compile failed") || strings.HasPrefix(e.Message, "build failed")) {
		send(h.failed, e.Message)
	}
	if msg, ok := e.Data["counter-message"].(string); ok && e.Data["counter-event"] == "start" {
		send(h.messages, msg)
	}
	return nil
}

// expectGone waits for the compiler's warning that dir is gone, then for
// the failed build its disappearance causes, which it takes off the
// reloadHook's queue too.
func (h *watchHook) expectGone(t *testing.T, dir string) {
	t.Helper()
	deadline := time.After(step)
	for {
		select {
		case got := <-h.warns:
			if got != dir {
				continue
			}
		case ev := <-h.events:
			t.Fatalf("counter event %+v while waiting for the warning that %s is gone", ev, dir)
		case <-deadline:
			t.Fatalf("no warning that %s is gone within %s", dir, step)
		}
		break
	}
	select {
	case <-h.failed:
		select {
		case <-h.compile:
		default:
		}
	case ev := <-h.events:
		t.Fatalf("counter event %+v while waiting for the build without %s to fail", ev, dir)
	case <-deadline:
		t.Fatalf("the build without %s did not fail within %s", dir, step)
	}
}

// expectPast is expect for a step whose intermediate states may fail to
// build: compile errors before the event are logged, not fatal.
func (h *watchHook) expectPast(t *testing.T, want counterEvent) {
	t.Helper()
	deadline := time.After(step)
	for {
		select {
		case got := <-h.events:
			if got != want {
				t.Fatalf("counter event = %+v, want %+v", got, want)
			}
			return
		case msg := <-h.compile:
			t.Logf("a build of an intermediate state failed (expected while files are written):\n%s", msg)
		case <-deadline:
			t.Fatalf("no counter event within %s, want %+v", step, want)
		}
	}
}

// TestPackageDirRemovedAndRecreated removes the hot package's directory
// while the host runs (as a branch switch does), then creates it again
// with an edit: the compiler warns that it lost the directory, the
// running version stays, and the edit runs as soon as the directory is
// back.
func TestPackageDirRemovedAndRecreated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	pkg := filepath.Join(mod, "counter")
	saved := readDir(t, pkg)
	const gen = 900201

	hook := newWatchHook()
	startHost(t, mod, t.TempDir(), "gone", 7, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", 1, "gone", 7})

	if err := os.RemoveAll(pkg); err != nil {
		t.Fatal(err)
	}
	hook.expectGone(t, pkg)

	// Created again with an edit, file by file: a build may start before
	// the last file is written, and fail.
	saved["controller.go"] = generationRe.ReplaceAll(saved["controller.go"], fmt.Appendf(nil, "const Generation = %d", gen))
	if err := os.Mkdir(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range saved {
		if err := os.WriteFile(filepath.Join(pkg, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hook.expectPast(t, counterEvent{"stop", 1, "gone", 7})
	hook.expect(t, counterEvent{"start", gen, "gone", 7})

	// Watched again: the next edit reloads too.
	setGeneration(t, filepath.Join(pkg, "controller.go"), gen+1, writeRename)
	hook.expect(t, counterEvent{"stop", gen, "gone", 7})
	hook.expect(t, counterEvent{"start", gen + 1, "gone", 7})
}

// TestPackageDirRenamedAwayAndBack renames the hot package's directory
// away, edits it there, and renames it back (as git stash does): the
// edit runs once the directory is back.
func TestPackageDirRenamedAwayAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	pkg := filepath.Join(mod, "counter")
	away := filepath.Join(t.TempDir(), "stashed")
	const gen = 900211

	hook := newWatchHook()
	startHost(t, mod, t.TempDir(), "away", 8, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", 1, "away", 8})

	if err := os.Rename(pkg, away); err != nil {
		t.Fatal(err)
	}
	hook.expectGone(t, pkg)
	setGeneration(t, filepath.Join(away, "controller.go"), gen, os.WriteFile)
	if err := os.Rename(away, pkg); err != nil {
		t.Fatal(err)
	}
	hook.expect(t, counterEvent{"stop", 1, "away", 8})
	hook.expect(t, counterEvent{"start", gen, "away", 8})

	setGeneration(t, filepath.Join(pkg, "controller.go"), gen+1, writeRename)
	hook.expect(t, counterEvent{"stop", gen, "away", 8})
	hook.expect(t, counterEvent{"start", gen + 1, "away", 8})
}

// TestPackageAppearsLater starts the host before the hot package's
// directory exists (the pattern matches nothing): the build fails, and
// the package is built and runs as soon as it appears.
func TestPackageAppearsLater(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	pkg := filepath.Join(mod, "counter")
	later := filepath.Join(t.TempDir(), "later")
	if err := os.Rename(pkg, later); err != nil {
		t.Fatal(err)
	}
	const gen = 900221
	setGeneration(t, filepath.Join(later, "controller.go"), gen, os.WriteFile)

	hook := newWatchHook()
	startHost(t, mod, t.TempDir(), "later", 9, testutil.LogWriter(t), hook)
	hook.expectGone(t, pkg)

	if err := os.Rename(later, pkg); err != nil {
		t.Fatal(err)
	}
	hook.expect(t, counterEvent{"start", gen, "later", 9})
}

// TestEmbeddedFileEditReloads gives the hot package a file it embeds
// (//go:embed message.txt) and whose text the controller logs: editing
// only that file runs the new text.
func TestEmbeddedFileEditReloads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	pkg := filepath.Join(mod, "counter")
	writeFile(t, filepath.Join(pkg, "message.go"), "package counter\n\nimport _ \"embed\"\n\n//go:embed message.txt\nvar message string\n")
	writeFile(t, filepath.Join(pkg, "message.txt"), "hello")
	src := filepath.Join(pkg, "controller.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const field = `"counter-count":      c.conf.GetCount(),`
	if !strings.Contains(string(data), field) {
		t.Fatalf("%s has no line %s to add the message after", src, field)
	}
	writeFile(t, src, strings.Replace(string(data), field, field+"\n\t\t\"counter-message\": message,", 1))

	hook := newWatchHook()
	startHost(t, mod, t.TempDir(), "embed", 10, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", 1, "embed", 10})
	hook.expectMessage(t, "hello")

	if err := writeRename(filepath.Join(pkg, "message.txt"), []byte("goodbye"), 0o644); err != nil {
		t.Fatal(err)
	}
	hook.expect(t, counterEvent{"stop", 1, "embed", 10})
	hook.expect(t, counterEvent{"start", 1, "embed", 10})
	hook.expectMessage(t, "goodbye")
}

// expectMessage checks the message of the last counter start.
func (h *watchHook) expectMessage(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-h.messages:
		if got != want {
			t.Fatalf("the running controller says %q, want %q", got, want)
		}
	case <-time.After(step):
		t.Fatalf("no counter message within %s", step)
	}
}

// readDir reads every file of dir, by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// writeFile writes data to path.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
