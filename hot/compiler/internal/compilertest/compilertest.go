// Package compilertest holds helpers the tests of the compiler's parts
// share: writing source files, faking the go command, golden files.
package compilertest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Write writes a file named name in dir, creating dir as needed, and
// fails the test if it can't.
func Write(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FakeGo writes an executable "go" shell script running script into a
// new temp directory and returns the directory. It skips the test where
// shell scripts don't run.
func FakeGo(t testing.TB, script string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake go commands are shell scripts")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CheckGolden compares got with the golden file at path, or, with update
// (the test's -update flag), rewrites the file with got.
func CheckGolden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// GeneratedNames returns the identifiers the generated plugin main uses;
// the names fixture (testdata/names.txtar) has a hot package named after
// each.
func GeneratedNames() []string {
	return []string{
		"b", "bus", "controller", "hot_plugin", "BinaryID", "BinaryVersion", "BinaryFactories",
		"Plugin", "NewPlugin", "ControllerBusHotPlugin", "nil", "init", "NewFactory",
		"Bus", "Factory", "StaticPlugin", "NewStaticPlugin", "HotPlugin",
	}
}
