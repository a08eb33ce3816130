// Package owned marks the directories hotbus creates, so that it deletes
// only what it provably created.
//
// Every directory hotbus creates and may later delete holds a marker
// file, [Marker], written when the directory is created ([Create],
// [Ensure]); inside a marked directory, hotbus removes only entries whose
// names it alone makes (a unit's "<prefix>-<hash>", a build tree's
// "build-<pid>-<build hash>"). A directory without the marker, even at a path
// hotbus would choose, is never removed ([Remove]) nor pruned: it is the
// user's.
package owned

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Marker is the marker file of a directory hotbus created.
const Marker = ".hotbus-owned"

// markerText is the marker's content, for a user who finds it.
const markerText = "This directory was created by hotbus (github.com/hotbus/hotbus), which deletes\n" +
	"what it made here when it is no longer used. Do not keep your own files here.\n"

// Is reports whether dir holds the marker of a directory hotbus
// created.
func Is(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, Marker))
	return err == nil && fi.Mode().IsRegular()
}

// Create creates dir, which must not exist, with the marker; its
// parents are created as needed (and not marked: hotbus never removes
// them).
func Create(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, Marker), []byte(markerText), 0o644)
}

// Ensure makes sure dir exists and is hotbus's: it creates dir with
// the marker, or adopts an existing empty dir (nothing of the user's can
// be lost there). An existing dir with something in it but no marker is
// refused with an error that names it; what names the dir is for the
// message ("units dir").
func Ensure(dir, what string) error {
	if Is(dir) {
		return nil
	}
	err := Create(dir)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("codegen: create the %s %s: %w", what, dir, err)
	}
	if Is(dir) {
		// Created meanwhile by another hotbus process.
		return nil
	}
	ents, rerr := os.ReadDir(dir)
	if rerr != nil {
		return fmt.Errorf("codegen: the %s %s: %w", what, dir, rerr)
	}
	if len(ents) != 0 && Is(dir) {
		// Another hotbus process made it between the checks above: its
		// marker comes first, before anything else is written there.
		return nil
	}
	if len(ents) != 0 {
		return fmt.Errorf("codegen: the %s %s already exists and was not created by hotbus (it has no %s file), "+
			"so hotbus will not write into it or delete anything in it: move your files out of it, or set another codegenDir",
			what, dir, Marker)
	}
	if err := os.WriteFile(filepath.Join(dir, Marker), []byte(markerText), 0o644); err != nil {
		return fmt.Errorf("codegen: the %s %s: %w", what, dir, err)
	}
	return nil
}

// Remove removes dir and everything in it if dir is hotbus's (it
// holds the marker), and refuses otherwise. A dir that does not exist is
// not an error.
func Remove(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if !Is(dir) {
		return fmt.Errorf("codegen: %s exists and was not created by hotbus (it has no %s file), so hotbus will not delete it: "+
			"move it away, or set another codegenDir", dir, Marker)
	}
	return os.RemoveAll(dir)
}
