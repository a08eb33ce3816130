package hot_compiler

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// hotbus deletes only what it provably created. Every directory it
// creates and may later delete holds a marker file, ownedMarker, written
// when the directory is created; inside a marked directory, hotbus removes
// only entries whose names it alone makes (a unit's "<prefix>-<hash>", a
// build tree's "build-<pid>-<random>"). A directory without the marker,
// even at a path hotbus would choose, is never removed nor pruned: it is
// the user's.

// ownedMarker is the marker file of a directory hotbus created.
const ownedMarker = ".hotbus-owned"

// ownedMarkerText is the marker's content, for a user who finds it.
const ownedMarkerText = "This directory was created by hotbus (github.com/hotbus/hotbus), which deletes\n" +
	"what it made here when it is no longer used. Do not keep your own files here.\n"

// isOwned reports whether dir holds the marker of a directory hotbus
// created.
func isOwned(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, ownedMarker))
	return err == nil && fi.Mode().IsRegular()
}

// createOwned creates dir, which must not exist, with the marker; its
// parents are created as needed (and not marked: hotbus never removes
// them).
func createOwned(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ownedMarker), []byte(ownedMarkerText), 0o644)
}

// ensureOwned makes sure dir exists and is hotbus's: it creates dir with
// the marker, or adopts an existing empty dir (nothing of the user's can
// be lost there). An existing dir with something in it but no marker is
// refused with an error that names it; what names the dir is for the
// message ("units dir").
func ensureOwned(dir, what string) error {
	if isOwned(dir) {
		return nil
	}
	err := createOwned(dir)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("codegen: create the %s %s: %w", what, dir, err)
	}
	if isOwned(dir) {
		// Created meanwhile by another hotbus process.
		return nil
	}
	ents, rerr := os.ReadDir(dir)
	if rerr != nil {
		return fmt.Errorf("codegen: the %s %s: %w", what, dir, rerr)
	}
	if len(ents) != 0 {
		return fmt.Errorf("codegen: the %s %s already exists and was not created by hotbus (it has no %s file), "+
			"so hotbus will not write into it or delete anything in it: move your files out of it, or set another codegenDir",
			what, dir, ownedMarker)
	}
	if err := os.WriteFile(filepath.Join(dir, ownedMarker), []byte(ownedMarkerText), 0o644); err != nil {
		return fmt.Errorf("codegen: the %s %s: %w", what, dir, err)
	}
	return nil
}

// removeOwned removes dir and everything in it if dir is hotbus's (it
// holds the marker), and refuses otherwise. A dir that does not exist is
// not an error.
func removeOwned(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if !isOwned(dir) {
		return fmt.Errorf("codegen: %s exists and was not created by hotbus (it has no %s file), so hotbus will not delete it: "+
			"move it away, or set another codegenDir", dir, ownedMarker)
	}
	return os.RemoveAll(dir)
}
