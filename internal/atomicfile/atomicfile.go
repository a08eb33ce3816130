// Package atomicfile writes files so that readers see the old content or
// the new, never a part: the data goes to a temporary file in the same
// directory, which is synced and renamed over the target. On any failure
// the temporary file is removed and the target is untouched.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// TempPrefix starts the name of every temporary file: ".tmp-<name>-<random>".
// The leading dot and the random tail keep scanners that match on a suffix
// (such as "*.cbus.so") away from unfinished files.
const TempPrefix = ".tmp-"

// TempSuffixLen is the most bytes a temporary name has after the
// target's name: a file name limit must leave room for TempPrefix and it.
const TempSuffixLen = 17

// WriteFile atomically replaces path with data, with mode perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Copy atomically replaces dst with the content of src, with mode perm.
func Copy(dst, src string, perm os.FileMode) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return Write(dst, perm, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	})
}

// Write atomically replaces path with what fill writes, with mode perm.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, TempPrefix+name+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
