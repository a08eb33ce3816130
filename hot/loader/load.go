package hot_loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// load loads one build file: security checks, private copy, the
// opener's checks and open, then the swap. Every failure is logged and recorded; a build running
// from the same path keeps running if the new one fails.
func (r *run) load(ctx context.Context, cand candidate) {
	loadStart := time.Now()
	le := r.le.WithField("plugin-path", cand.path)
	f := r.fileFor(cand)
	prev := f.record

	copyPath, sum, err := r.copyBuild(cand.path)
	if err != nil {
		r.fail(f, err)
		return
	}
	if sum == prev.FileSHA256 && prev.State != hot_manifest.StateRemoved {
		// Same content (touched, or copied again): nothing to do.
		_ = os.Remove(copyPath)
		le.Debug(r.noun + " file unchanged")
		return
	}
	rec := hot_manifest.Plugin{Path: cand.path, FileSHA256: sum, Mode: r.op.Mode()}
	if cand.build != nil {
		rec.BuildHash = cand.build.BuildHash
	}

	var bd Build
	var reused bool
	if perr := recoverCall(func() { bd, reused, err = r.op.Open(cand.path, copyPath, sum) }); perr != nil {
		err = fmt.Errorf("%s: open: %w", cand.path, perr)
	}
	if err != nil {
		r.failWith(f, rec, err)
		return
	}
	if !slices.Contains(r.opened, bd) {
		r.opened = append(r.opened, bd)
	}
	if reused {
		// This build was opened before in this process (the file came
		// back, is a copy of another, or another loader opened it): the
		// runtime can't open it again, and needn't.
		_ = os.Remove(copyPath)
		le.Debug(r.noun + " opened before: using it again")
	}
	rec.BinaryID, rec.BinaryVersion = bd.BinaryID(), bd.BinaryVersion()
	le = le.WithField("binary-id", rec.BinaryID).WithField("binary-version", rec.BinaryVersion)

	if cur := r.active[rec.BinaryID]; cur != nil && cur.path != cand.path && cur.mtime.After(cand.stamp.mtime) {
		rec.State = hot_manifest.StateSuperseded
		f.record = rec
		le.WithField("newer-path", cur.path).Info(r.noun + " is older than the loaded build of its binary ID: not loaded")
		return
	}
	swapStart := time.Now()
	l, err := r.start(ctx, cand.path, cand.stamp.mtime, bd, &rec)
	if err != nil {
		r.failWith(f, rec, err)
		return
	}
	le = le.WithField("config-ids", rec.ConfigIDs)
	if l.prev != nil {
		le = le.WithField("old-path", l.prev.path).WithField("old-version", l.prev.build.BinaryVersion())
	}
	rec.State = hot_manifest.StateLoaded
	rec.LoadedAt = time.Now()
	f.record = rec
	f.live = l
	r.watchProcess(l)
	// One info line per load: a reload says it is one (with the time of
	// each step when the compiler's build manifest has them).
	switch {
	case cand.build != nil && cand.build.Trigger != nil:
		steps := reloadSteps{
			build:   cand.build,
			detect:  loadStart.Sub(cand.build.PublishedAt),
			load:    swapStart.Sub(loadStart),
			stop:    r.stopped[rec.BinaryID],
			swap:    time.Since(swapStart),
			added:   time.Now(),
			settled: r.settled,
			by:      r.detectedBy,

			startTimeout: r.c.conf.StopTimeout,
		}
		go steps.log(l.done, le, l.res)
		le.Debug(r.noun + " loaded")
	case l.prev != nil:
		le.Info("reloaded: the new build replaced the old one")
	default:
		le.Info(r.noun + " loaded")
	}
}

// fail records err for f, without anything known of the new build.
func (r *run) fail(f *file, err error) {
	r.failWith(f, hot_manifest.Plugin{Path: f.path}, err)
}

// failWith records a failed build of f. If a build from this path is still
// running, its record stays, with the error of the new one.
func (r *run) failWith(f *file, rec hot_manifest.Plugin, err error) {
	r.le.WithField("plugin-path", f.path).WithError(err).Error(r.noun + " not loaded")
	if f.live != nil {
		f.record.Error = "a new build of this file was not loaded, the previous one keeps running: " + err.Error()
		return
	}
	rec.State = hot_manifest.StateFailed
	rec.Error = err.Error()
	f.record = rec
}

// copyBuild checks the build file at path and copies it under a unique
// name into the private directory, returning the copy and the sha256 of
// the content.
func (r *run) copyBuild(path string) (string, string, error) {
	real, err := r.c.resolvePlugin(path)
	if err != nil {
		return "", "", err
	}
	// Not blocking on a FIFO named like a plugin, refusing anything but a
	// regular file.
	src, st, err := hot_manifest.OpenRegular(real, r.noun)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return "", "", fmt.Errorf("open %s %s: %w: make it readable by the user this process runs as (chmod u+r)", r.noun, path, err)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", "", fmt.Errorf("open %s %s: %w", r.noun, path, err)
		}
		if real != path {
			return "", "", fmt.Errorf("%s %s: %w", r.noun, path, err)
		}
		return "", "", err
	}
	defer src.Close()
	if err := r.c.checkPerms(path, r.noun, st); err != nil {
		return "", "", err
	}
	dstPath := r.copyPath(path)
	dst, err := os.OpenFile(dstPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o500)
	if err != nil {
		return "", "", fmt.Errorf("copy %s %s: %w", r.noun, path, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(dst, h), src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dstPath)
		return "", "", fmt.Errorf("copy %s %s to %s: %w", r.noun, path, dstPath, err)
	}
	return dstPath, hex.EncodeToString(h.Sum(nil)), nil
}

// recoverCall calls fn, returning a panic as an error.
func recoverCall(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	fn()
	return nil
}
