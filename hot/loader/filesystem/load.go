package hot_loader_filesystem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

	op, reused, err := r.openBuild(cand.path, copyPath, sum)
	if err != nil {
		r.failWith(f, rec, err)
		return
	}
	if reused {
		// This build was opened before in this process (the file came
		// back, is a copy of another, or another loader opened it): the
		// runtime can't open it again, and needn't.
		_ = os.Remove(copyPath)
		le.Debug("plugin build opened before: using it again")
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
	l, err := r.start(ctx, cand.path, cand.stamp.mtime, op, &rec)
	if err != nil {
		r.failWith(f, rec, err)
		return
	}
	le = le.WithField("config-ids", rec.ConfigIDs)
	if l.prev != nil {
		le = le.WithField("old-path", l.prev.path).WithField("old-version", l.prev.op.binaryVersion)
	}
	rec.State = hot_manifest.StateLoaded
	rec.LoadedAt = time.Now()
	f.record = rec
	f.live = l
	// One info line per load: a reload says it is one (with the time of
	// each step when the compiler's build manifest has them).
	switch {
	case cand.build != nil && cand.build.Trigger != nil:
		steps := reloadSteps{
			build:   cand.build,
			detect:  loadStart.Sub(cand.build.PublishedAt),
			load:    swapStart.Sub(loadStart),
			stop:    r.stopped[op.binaryID],
			swap:    time.Since(swapStart),
			added:   time.Now(),
			settled: r.settled,

			startTimeout: r.c.stopTimeout,
		}
		go steps.log(l.done, le, l.res)
		le.Debug("plugin loaded")
	case l.prev != nil:
		le.Info("reloaded: the new build replaced the old one")
	default:
		le.Info("plugin loaded")
	}
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
	// Not blocking on a FIFO named like a plugin, refusing anything but a
	// regular file.
	src, st, err := hot_manifest.OpenRegular(real, "plugin")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return "", "", fmt.Errorf("open plugin %s: %w: make it readable by the user this process runs as (chmod u+r)", path, err)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", "", fmt.Errorf("open plugin %s: %w", path, err)
		}
		if real != path {
			return "", "", fmt.Errorf("plugin %s: %w", path, err)
		}
		return "", "", err
	}
	defer src.Close()
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

// openBuild returns the build with the sha256 sum: the one opened before
// in this process (reused), or the copy of the plugin at path, opened now.
func (r *run) openBuild(path, copyPath, sum string) (op *openedBuild, reused bool, err error) {
	process.mu.Lock()
	defer process.mu.Unlock()
	if op := process.builds[sum]; op != nil {
		return op, true, nil
	}
	op, err = r.open(path, copyPath)
	if err != nil {
		return nil, false, err
	}
	process.builds[sum] = op
	return op, false, nil
}

// open preflights and opens the copy of the plugin at path and reads its
// ControllerBusHotPlugin. process.mu must be held.
func (r *run) open(path, copyPath string) (*openedBuild, error) {
	if r.hostErr != nil {
		return nil, fmt.Errorf("plugin %s not checked: %w", path, r.hostErr)
	}
	p, err := preflight.ReadPlugin(copyPath)
	if err == nil {
		p.Path = path
		err = preflight.CheckPlugin(r.host, p, process.opened...)
	}
	if err != nil {
		var pe *preflight.Error
		if errors.As(err, &pe) {
			pe.Path = path
		}
		return nil, err
	}

	if err := process.checkPoisoned(p); err != nil {
		return nil, err
	}

	pl, err := openPlugin(copyPath)
	var ip *initPanicError
	if errors.As(err, &ip) {
		// The plugin stays mapped with its packages registered, and the
		// init tasks that did not finish can never run again.
		process.poison(r.host, p)
		process.opened = append(process.opened, p)
		return nil, fmt.Errorf("plugin %s: %w; fix the init and rebuild: a plugin that links a package whose init did not finish is refused until the host restarts (the Go runtime would abort the process)", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("plugin %s: the Go runtime refused it (copy %s): %w; rebuild it with the host's Go version, flags and module versions (hot/compiler does)",
			path, copyPath, err)
	}
	process.opened = append(process.opened, p)

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

// initPanicError is a panic in a plugin's package init during plugin.Open.
type initPanicError struct {
	// value is what the init panicked with.
	value any
}

// Error names the panic.
func (e *initPanicError) Error() string {
	return fmt.Sprintf("a package init panicked while the plugin was opened: %v", e.value)
}

// openPlugin is plugin.Open; a panic in the plugin's init is an
// *initPanicError. plugin.Open runs the inits on the calling goroutine, so
// the panic can be recovered here; an init that starts a goroutine which
// panics, calls os.Exit or never returns can't be caught by anyone.
func openPlugin(path string) (p *plugin.Plugin, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, &initPanicError{value: v}
		}
	}()
	return plugin.Open(path)
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
