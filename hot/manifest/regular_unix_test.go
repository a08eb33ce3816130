//go:build unix

package hot_manifest_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// TestUntrustedManifestFiles gives ReadBuild and ReadFile a FIFO and an
// oversized file where a manifest should be: each returns at once (a FIFO
// with no writer would block a plain open forever) with an error that
// names the file and says what is wrong.
func TestUntrustedManifestFiles(t *testing.T) {
	dir := t.TempDir()
	fifoPlugin := filepath.Join(dir, "fifo.cbus.so")
	if err := syscall.Mkfifo(hot_manifest.BuildPath(fifoPlugin), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo-manifest.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	bigPlugin := filepath.Join(dir, "big.cbus.so")
	bigManifest := filepath.Join(dir, "big-manifest.json")
	for _, p := range []string{hot_manifest.BuildPath(bigPlugin), bigManifest} {
		// Sparse: a size far over the cap without writing it.
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(1 << 30); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name string
		read func() error
		want []string
	}{
		{"build manifest FIFO", func() error { _, err := hot_manifest.ReadBuild(fifoPlugin); return err },
			[]string{"build manifest", hot_manifest.BuildPath(fifoPlugin), "not a regular file", "named pipe"}},
		{"manifest FIFO", func() error { _, err := hot_manifest.ReadFile(filepath.Join(dir, "fifo-manifest.json")); return err },
			[]string{"manifest of loaded plugins", "fifo-manifest.json", "not a regular file"}},
		{"1 GiB build manifest", func() error { _, err := hot_manifest.ReadBuild(bigPlugin); return err },
			[]string{"build manifest", hot_manifest.BuildPath(bigPlugin), "1073741824 bytes", "1 MiB"}},
		{"1 GiB manifest", func() error { _, err := hot_manifest.ReadFile(bigManifest); return err },
			[]string{"manifest of loaded plugins", bigManifest, "1 MiB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tc.read() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the read blocked")
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}

	// A missing build manifest is still "not exist".
	if _, err := hot_manifest.ReadBuild(filepath.Join(dir, "none.cbus.so")); !errors.Is(err, fs.ErrNotExist) || !os.IsNotExist(err) {
		t.Errorf("missing build manifest: err = %v, want not exist", err)
	}
}

// TestReadRegularAtTheLimit reads a file of exactly the limit and refuses
// one byte more.
func TestReadRegularAtTheLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := hot_manifest.ReadRegular(path, "test file", 5); err != nil || string(data) != "12345" {
		t.Errorf("ReadRegular at the limit = %q, %v", data, err)
	}
	if _, err := hot_manifest.ReadRegular(path, "test file", 4); err == nil || !strings.Contains(err.Error(), "5 bytes, more than the 4-byte limit") {
		t.Errorf("ReadRegular over the limit: err = %v", err)
	}
}
