// Package atomicfile writes files so that readers see the old content or
// the new, never a part: the data goes to a temporary file in the same
// directory, which is synced and renamed over the target. On any failure
// the temporary file is removed and the target is untouched.
//
// A temporary file is named ".tmp-<name>-<pid>-<random>", with the pid of
// the process writing it: a process killed while writing leaves a file
// that [RemoveStale] can prove stale (its name is this package's, its
// writer is gone) and remove, and nothing else.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// TempPrefix starts the name of every temporary file:
// ".tmp-<name>-<pid>-<random>". The leading dot and the tail keep scanners
// that match on a suffix (such as "*.cbus.so") away from unfinished files.
const TempPrefix = ".tmp-"

// randomLen is the length of the random part, in hex digits.
const randomLen = 16

// TempSuffixLen is the most bytes a temporary name has after the
// target's name ("-<pid>-<random>", a pid of at most 10 digits): a file
// name limit must leave room for TempPrefix and it.
const TempSuffixLen = 1 + 10 + 1 + randomLen

// tempName matches a temporary name: the target's name, the writer's pid
// and the random part.
var tempName = regexp.MustCompile(`^` + regexp.QuoteMeta(TempPrefix) + `(.+)-([1-9][0-9]{0,9})-[0-9a-f]{` + strconv.Itoa(randomLen) + `}$`)

// TempPath returns a new temporary path for the file at path, in the
// same directory, carrying this process's pid. Nothing is created.
func TempPath(path string) (string, error) {
	var rnd [randomLen / 2]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("temporary name for %s: %w", path, err)
	}
	dir, name := filepath.Split(path)
	return filepath.Join(dir, TempPrefix+name+"-"+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(rnd[:])), nil
}

// ParseTemp returns, for a file name made by TempPath, the target's name
// and the pid of the process that wrote it; ok is false for any other
// name.
func ParseTemp(name string) (target string, pid int, ok bool) {
	m := tempName.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], pid, true
}

// RemoveStale removes the temporary files in dir that a process now gone
// left behind: regular files whose names TempPath made, whose writer's
// pid no process has (WriterGone). Any other file stays, including
// temporary files of live processes. It returns the removed paths.
func RemoveStale(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("remove stale temporary files in %s: %w", dir, err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		_, pid, ok := ParseTemp(e.Name())
		if !ok || !e.Type().IsRegular() || !WriterGone(pid) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	if len(errs) != 0 {
		return removed, fmt.Errorf("remove stale temporary files in %s: %v", dir, errs)
	}
	return removed, nil
}

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
	tmpPath, err := TempPath(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
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
