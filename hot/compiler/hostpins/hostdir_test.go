package hostpins

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestHostDirErrorKeepsTheCause proves that when the host's module dir
// can't be found, the error keeps why the host binary could not be read
// and names settings that exist.
func TestHostDirErrorKeepsTheCause(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "host")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &DirResolver{
		Host:     &Host{Binary: notELF, Main: debug.Module{Path: "example.com/host"}, Settings: map[string]string{}},
		WorkDir:  t.TempDir(),
		GoCmd:    filepath.Join(compilertest.FakeGo(t, "echo 'go: no modules here' >&2\nexit 1\n"), "go"),
		Analysis: &analysis.Analysis{},
	}
	_, err := r.Resolve(context.Background(), "example.com/host", "")
	if err == nil {
		t.Fatal("resolve found a directory for a module that has none")
	}
	for _, want := range []string{
		"example.com/host", "no modules here", "read the source paths of host binary " + notELF, "ELF",
		"workDir", "--host-module-dir", "Options.HostModuleDir",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if r.binaryDirs() != nil {
		t.Error("a binary that could not be read is cached as read: a later build would lose the cause")
	}
	if strings.Contains(err.Error(), "or set the host module dir") {
		t.Errorf("error names a setting the config does not have:\n%v", err)
	}
}
