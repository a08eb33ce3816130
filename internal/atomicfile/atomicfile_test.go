package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// expectOnly checks that dir holds exactly the file name with content.
func expectOnly(t *testing.T, dir, name, content string) {
	t.Helper()
	if names := entries(t, dir); len(names) != 1 || names[0] != name {
		t.Errorf("dir holds %v, want only %s (no temporary file left)", names, name)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != content {
		t.Errorf("%s = %q, want the previous content %q", name, data, content)
	}
}

func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.cbus.so")
	if err := WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o755); err != nil {
		t.Fatal(err)
	}
	expectOnly(t, dir, "x.cbus.so", "new")
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, %v: want 0755", st.Mode(), err)
	}
}

// TestFailedWriteKeepsTheTarget fails half-way through writing the new
// content: the target keeps the old, and the temporary file is gone.
func TestFailedWriteKeepsTheTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.cbus.so")
	if err := WriteFile(path, []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("no space left on device (injected)")
	err := Write(path, 0o755, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the new")); err != nil {
			return err
		}
		// The temporary file is there while it is written, under a name
		// scanners skip.
		for _, n := range entries(t, dir) {
			if n != "x.cbus.so" && !strings.HasPrefix(n, TempPrefix+"x.cbus.so-") {
				t.Errorf("unexpected file %s while writing", n)
			}
		}
		return diskFull
	})
	if !errors.Is(err, diskFull) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Write = %v, want the injected error naming %s", err, path)
	}
	expectOnly(t, dir, "x.cbus.so", "old")
}

// TestFailedRenameKeepsTheTarget: the rename over the target fails (here a
// non-empty directory sits where the file goes): the temporary file is
// removed.
func TestFailedRenameKeepsTheTarget(t *testing.T) {
	dir := t.TempDir()
	blocked := filepath.Join(dir, "x.cbus.json")
	if err := os.MkdirAll(filepath.Join(blocked, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(blocked, []byte("new"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "x.cbus.json" {
		t.Errorf("dir holds %v, want only the directory (no temporary file left)", names)
	}
}

// TestCopyMissingSourceWritesNothing: nothing is created when the source
// can't be read.
func TestCopyMissingSourceWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := Copy(filepath.Join(dir, "x.cbus.so"), filepath.Join(dir, "missing"), 0o755); err == nil {
		t.Fatal("Copy of a missing file succeeded")
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("dir holds %v, want nothing", names)
	}
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("no true command to get a dead pid: %v", err)
	}
	return cmd.Process.Pid
}

// TestTempNamesCarryTheWriter proves that a temporary file is named
// after its target and this process's pid, as ParseTemp reads it.
func TestTempNamesCarryTheWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x-0123.cbus.so")
	err := Write(path, 0o644, func(io.Writer) error {
		names := entries(t, dir)
		if len(names) != 1 {
			t.Fatalf("dir holds %v while writing, want the temporary file", names)
		}
		target, pid, ok := ParseTemp(names[0])
		if !ok || target != "x-0123.cbus.so" || pid != os.Getpid() {
			t.Errorf("ParseTemp(%s) = %q, %d, %v; want x-0123.cbus.so, %d", names[0], target, pid, ok, os.Getpid())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRemoveStaleRemovesOnlyFilesOfGoneWriters proves that a temporary
// file of a process that is gone is removed, and that a live writer's
// file, names that are not exactly this package's and a directory named
// like a temporary file stay.
func TestRemoveStaleRemovesOnlyFilesOfGoneWriters(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("WriterGone can't tell off unix")
	}
	dir := t.TempDir()
	dead := strconv.Itoa(deadPid(t))
	live := strconv.Itoa(os.Getpid())
	const rnd = "0123456789abcdef"
	stale := TempPrefix + "x-0123.cbus.so-" + dead + "-" + rnd
	kept := []string{
		TempPrefix + "x-0123.cbus.so-" + live + "-" + rnd, // written now
		TempPrefix + "x-0123.cbus.so-" + dead + "-" + rnd[:15],
		TempPrefix + "x-0123.cbus.so-" + dead + "-" + rnd + ".bak",
		TempPrefix + "x-0123.cbus.so-" + dead + "-0123456789ABCDEF",
		TempPrefix + "x-0123.cbus.so-" + rnd,
		"tmp-x-0123.cbus.so-" + dead + "-" + rnd,
		"notes.txt",
	}
	for _, n := range append([]string{stale}, kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	staleDir := TempPrefix + "y.cbus.so-" + dead + "-" + rnd
	if err := os.Mkdir(filepath.Join(dir, staleDir), 0o755); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != filepath.Join(dir, stale) {
		t.Errorf("removed %v, want only %s", removed, stale)
	}
	want := append(kept, staleDir)
	slices.Sort(want)
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
}
