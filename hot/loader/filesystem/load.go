package hot_loader_filesystem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"plugin"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/preflight"
)

// openedBuild is a plugin build that was opened and read.
type openedBuild struct {
	// copy is the file plugin.Open was given.
	copy string
	// hp is the plugin's ControllerBusHotPlugin.
	hp hot_plugin.HotPlugin
	// binaryID and binaryVersion are hp's.
	binaryID, binaryVersion string
}

// load loads one plugin file: security checks, copy, preflight, open,
// then the swap. Every failure is logged and recorded; a build running
// from the same path keeps running if the new one fails.
func (r *run) load(ctx context.Context, cand candidate) {
	loadStart := time.Now()
	le := r.le.WithField("plugin-path", cand.path)
	f := r.fileFor(cand)
	prev := f.record

	copyPath, sum, err := r.copyPlugin(cand.path)
	if err != nil {
		r.fail(f, err)
		return
	}
	if sum == prev.FileSHA256 && prev.State != hot_manifest.StateRemoved {
		// Same content (touched, or copied again): nothing to do.
		_ = os.Remove(copyPath)
		le.Debug("plugin file unchanged")
		return
	}
	rec := hot_manifest.Plugin{Path: cand.path, FileSHA256: sum}
	if cand.build != nil {
		rec.BuildHash = cand.build.BuildHash
	}

	op := r.c.builds[sum]
	if op != nil {
		// This build was opened before (the file came back, or is a copy
		// of another): the runtime can't open it again, and needn't.
		_ = os.Remove(copyPath)
		le.Debug("plugin build opened before: using it again")
	} else {
		op, err = r.open(cand.path, copyPath)
		if err != nil {
			r.failWith(f, rec, err)
			return
		}
		r.c.builds[sum] = op
	}
	rec.BinaryID, rec.BinaryVersion = op.binaryID, op.binaryVersion
	le = le.WithField("binary-id", op.binaryID).WithField("binary-version", op.binaryVersion)

	if cur := r.active[op.binaryID]; cur != nil && cur.path != cand.path && cur.mtime.After(cand.stamp.mtime) {
		rec.State = hot_manifest.StateSuperseded
		f.record = rec
		le.WithField("newer-path", cur.path).Info("plugin is older than the loaded build of its binary ID: not loaded")
		return
	}
	swapStart := time.Now()
	l, err := r.start(ctx, cand, op, &rec)
	if err != nil {
		r.failWith(f, rec, err)
		return
	}
	if cand.build != nil && cand.build.Trigger != nil {
		steps := reloadSteps{
			build:  cand.build,
			detect: loadStart.Sub(cand.build.PublishedAt),
			load:   swapStart.Sub(loadStart),
			stop:   r.stopped[op.binaryID],
			swap:   time.Since(swapStart),
			added:  time.Now(),
		}
		go steps.log(ctx, le, l.res)
	}
	rec.State = hot_manifest.StateLoaded
	rec.LoadedAt = time.Now()
	f.record = rec
	f.live = l
	le.WithField("config-ids", rec.ConfigIDs).Info("plugin loaded")
}

// fail records err for f, without anything known of the new build.
func (r *run) fail(f *file, err error) {
	r.failWith(f, hot_manifest.Plugin{Path: f.path}, err)
}

// failWith records a failed build of f. If a build from this path is still
// running, its record stays, with the error of the new one.
func (r *run) failWith(f *file, rec hot_manifest.Plugin, err error) {
	r.le.WithField("plugin-path", f.path).WithError(err).Error("plugin not loaded")
	if f.live != nil {
		f.record.Error = "a new build of this file was not loaded, the previous one keeps running: " + err.Error()
		return
	}
	rec.State = hot_manifest.StateFailed
	rec.Error = err.Error()
	f.record = rec
}

// copyPlugin checks the plugin file at path and copies it under a unique
// name into the private directory, returning the copy and the sha256 of
// the content.
func (r *run) copyPlugin(path string) (string, string, error) {
	real, err := r.c.resolvePlugin(path)
	if err != nil {
		return "", "", err
	}
	src, err := os.Open(real)
	if err != nil {
		return "", "", fmt.Errorf("open plugin %s: %w", path, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return "", "", fmt.Errorf("stat plugin %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return "", "", fmt.Errorf("plugin %s is not a regular file (%v)", path, st.Mode().Type())
	}
	if err := r.c.checkPerms(path, "plugin", st); err != nil {
		return "", "", err
	}
	dstPath := r.copyPath(path)
	dst, err := os.OpenFile(dstPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o500)
	if err != nil {
		return "", "", fmt.Errorf("copy plugin %s: %w", path, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(dst, h), src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dstPath)
		return "", "", fmt.Errorf("copy plugin %s to %s: %w", path, dstPath, err)
	}
	return dstPath, hex.EncodeToString(h.Sum(nil)), nil
}

// open preflights and opens the copy of the plugin at path and reads its
// ControllerBusHotPlugin.
func (r *run) open(path, copyPath string) (*openedBuild, error) {
	if r.hostErr != nil {
		return nil, fmt.Errorf("plugin %s not checked: %w", path, r.hostErr)
	}
	p, err := preflight.ReadPlugin(copyPath)
	if err == nil {
		p.Path = path
		err = preflight.CheckPlugin(r.host, p, r.c.opened...)
	}
	if err != nil {
		var pe *preflight.Error
		if errors.As(err, &pe) {
			pe.Path = path
		}
		return nil, err
	}

	pl, err := openPlugin(copyPath)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: the Go runtime refused it (copy %s): %w; rebuild it with the host's Go version, flags and module versions (hot/compiler does)",
			path, copyPath, err)
	}
	r.c.opened = append(r.c.opened, p)

	sym, err := pl.Lookup(hot_plugin.PluginSymbol)
	if err != nil {
		return nil, fmt.Errorf("plugin %s has no %s symbol: declare \"var %s hot_plugin.HotPlugin = hot_plugin.NewStaticPlugin(...)\" in its main package",
			path, hot_plugin.PluginSymbol, hot_plugin.PluginSymbol)
	}
	hpp, ok := sym.(*hot_plugin.HotPlugin)
	if !ok {
		return nil, fmt.Errorf("plugin %s: symbol %s is a %T, want a hot_plugin.HotPlugin variable: declare \"var %s hot_plugin.HotPlugin = ...\"",
			path, hot_plugin.PluginSymbol, sym, hot_plugin.PluginSymbol)
	}
	if *hpp == nil {
		return nil, fmt.Errorf("plugin %s: %s is nil", path, hot_plugin.PluginSymbol)
	}
	op := &openedBuild{copy: copyPath, hp: *hpp}
	err = recoverCall(func() {
		op.binaryID, op.binaryVersion = op.hp.GetBinaryID(), op.hp.GetBinaryVersion()
	})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: reading its binary ID: %w", path, err)
	}
	if op.binaryID == "" {
		return nil, fmt.Errorf("plugin %s has an empty binary ID", path)
	}
	return op, nil
}

// openPlugin is plugin.Open; a panic in the plugin's init is an error.
func openPlugin(path string) (*plugin.Plugin, error) {
	var p *plugin.Plugin
	var openErr error
	if err := recoverCall(func() { p, openErr = plugin.Open(path) }); err != nil {
		return nil, err
	}
	return p, openErr
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
