package hot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aperturerobotics/controllerbus/bus"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// faultHook is a reloadHook that also collects the error-level lines of
// the loader that name a config ID.
type faultHook struct {
	*reloadHook
	errors chan errorLine
	mu     sync.Mutex
	lines  []string
}

func newFaultHook() *faultHook {
	return &faultHook{reloadHook: newReloadHook(), errors: make(chan errorLine, 64)}
}

// errorLine is an error-level log entry that names a config ID, copied in
// the hook: logrus goes on using the entry after its hooks.
type errorLine struct {
	line                          string
	configID, binaryID, binaryVer any
}

// Fire forwards counter events and compile errors, and the error lines
// that name a config ID.
func (h *faultHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	h.lines = append(h.lines, e.Level.String()+" "+e.Message)
	h.mu.Unlock()
	if _, ok := e.Data["config-id"]; ok && e.Level <= logrus.ErrorLevel {
		line, err := e.String()
		if err != nil {
			return err
		}
		h.errors <- errorLine{line: line, configID: e.Data["config-id"], binaryID: e.Data["binary-id"], binaryVer: e.Data["binary-version"]}
	}
	return h.reloadHook.Fire(e)
}

// logged returns the lines logged so far, as "<level> <message>".
func (h *faultHook) logged() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.lines)
}

// expectControllerError waits for an error-level line naming configID and
// the build, whose text contains text.
func (h *faultHook) expectControllerError(t *testing.T, configID, text string) {
	t.Helper()
	select {
	case e := <-h.errors:
		if e.configID != configID || !strings.Contains(e.line, text) || e.binaryID == nil || e.binaryVer == nil {
			t.Fatalf("error line does not name config %s, the build and %q:\n%s", configID, text, e.line)
		}
	case got := <-h.events:
		t.Fatalf("counter event %+v while waiting for the controller's error %q", got, text)
	case <-contextTimer(t):
		t.Fatalf("no error line naming %s within %s", configID, step)
	}
}

// contextTimer returns a channel closed after step.
func contextTimer(t *testing.T) <-chan struct{} {
	ctx, cancel := context.WithTimeout(t.Context(), step)
	t.Cleanup(cancel)
	return ctx.Done()
}

// faultRe matches the fixture's fault constants.
var faultRe = regexp.MustCompile(`(?m)^const (ConstructError|ValidateError) = .*$`)

// setFaults rewrites the fixture source with generation gen and the two
// fault texts, in one write.
func setFaults(t *testing.T, path string, gen int, construct, validate string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = generationRe.ReplaceAll(src, fmt.Appendf(nil, "const Generation = %d", gen))
	src = faultRe.ReplaceAllFunc(src, func(m []byte) []byte {
		name := strings.Fields(string(m))[1]
		val := construct
		if name == "ValidateError" {
			val = validate
		}
		return fmt.Appendf(nil, "const %s = %q", name, val)
	})
	if err := writeRename(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loaderOf returns the filesystem loader on b.
func loaderOf(t *testing.T, b bus.Bus) *hot_loader_filesystem.Controller {
	t.Helper()
	for _, c := range b.GetControllers() {
		if l, ok := c.(*hot_loader_filesystem.Controller); ok {
			return l
		}
	}
	t.Fatal("no loader on the bus")
	return nil
}

// waitState waits until the loader's manifest has a plugin of the
// binary ID in state, whose error contains errText, and returns it.
func waitState(t *testing.T, l *hot_loader_filesystem.Controller, state hot_manifest.State, errText string) hot_manifest.Plugin {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), step)
	defer cancel()
	var got hot_manifest.Plugin
	_, err := l.WaitManifest(ctx, func(m *hot_manifest.Manifest) bool {
		for _, p := range m.Plugins {
			if p.State == state && strings.Contains(p.Error, errText) {
				got = p
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no plugin %s with error %q in the manifest: %v; manifest: %+v", state, errText, err, l.GetManifest())
	}
	return got
}

// TestRollbackToTheLastGoodBuild reloads to a build whose NewController
// returns an error, then to one whose config Validate rejects the config:
// each time the controller's own error is logged at error level naming the
// config ID and the build, the previous build runs again, and the manifest
// records the failed build as rolled back. A good edit then runs the new
// generation.
func TestRollbackToTheLastGoodBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go plugins")
	}
	mod := copyFixture(t, "testdata/reload")
	source := filepath.Join(mod, "counter", "controller.go")
	const configID = "example/reload/counter"
	// Generations of their own: no other test in this process loads them.
	const good, refuses, rejects, fixed = 800001, 800002, 800003, 800004

	setFaults(t, source, good, "", "")
	hook := newFaultHook()
	b, _ := startHost(t, mod, t.TempDir(), "rb", 3, testutil.LogWriter(t), hook)
	hook.expect(t, counterEvent{"start", good, "rb", 3})
	loader := loaderOf(t, b)

	setFaults(t, source, refuses, "generation 2 refuses to start", "")
	hook.expect(t, counterEvent{"stop", good, "rb", 3})
	hook.expectControllerError(t, configID, "generation 2 refuses to start")
	hook.expect(t, counterEvent{"start", good, "rb", 3})
	rec := waitState(t, loader, hot_manifest.StateRolledBack, "generation 2 refuses to start")
	if !strings.Contains(rec.Error, "rolled back to ") || !strings.Contains(rec.Error, configID) {
		t.Errorf("manifest error %q does not say it rolled back because of %s", rec.Error, configID)
	}

	setFaults(t, source, rejects, "", "generation 3 rejects every config")
	hook.expect(t, counterEvent{"stop", good, "rb", 3})
	hook.expectControllerError(t, configID, "generation 3 rejects every config")
	hook.expect(t, counterEvent{"start", good, "rb", 3})
	waitState(t, loader, hot_manifest.StateRolledBack, "generation 3 rejects every config")

	setFaults(t, source, fixed, "", "")
	hook.expect(t, counterEvent{"stop", good, "rb", 3})
	hook.expect(t, counterEvent{"start", fixed, "rb", 3})
	m := waitState(t, loader, hot_manifest.StateLoaded, "")
	if m.BinaryID != "reload" {
		t.Errorf("loaded plugin %+v, want binary ID reload", m)
	}
	select {
	case e := <-hook.errors:
		t.Errorf("error line after the good edit: %s", e.line)
	default:
	}
}
