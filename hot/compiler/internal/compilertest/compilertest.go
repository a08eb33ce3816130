// Package compilertest holds helpers the tests of the compiler's parts
// share: writing source files and faking the go command.
package compilertest

import (
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
