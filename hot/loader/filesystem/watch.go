package hot_loader_filesystem

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// dirPollInterval is how often a missing or unsafe plugins directory is
// looked at again.
const dirPollInterval = time.Second

// errDirGone ends a watch when the plugins directory disappears.
var errDirGone = errors.New("plugins dir disappeared")

// execute runs the loader until ctx ends.
func (r *run) execute(ctx context.Context) error {
	if r.hostErr != nil {
		r.le.WithError(r.hostErr).Error("this host can't check plugins; every plugin will be refused")
	}
	for {
		if err := r.waitDir(ctx); err != nil {
			return nil
		}
		if !r.c.conf.GetWatch() {
			r.reconcile(ctx)
			<-ctx.Done()
			return nil
		}
		err := r.watch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		r.le.WithError(err).Warn("stopped watching the plugins dir; waiting for it")
		r.dirOK = false
		r.reconcile(ctx)
	}
}

// waitDir waits until the plugins directory exists and is safe, logging
// why not once per reason. It returns only ctx's error.
func (r *run) waitDir(ctx context.Context) error {
	var lastMsg string
	for {
		err := r.c.checkDir()
		if err == nil {
			r.dirOK = true
			return nil
		}
		if msg := err.Error(); msg != lastMsg {
			lastMsg = msg
			le := r.le.WithError(err)
			if errors.Is(err, fs.ErrNotExist) {
				le.Warn("plugins dir does not exist; waiting for it")
			} else {
				le.Error("plugins dir refused; waiting for it to be fixed")
			}
		}
		t := time.NewTimer(dirPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// watch scans the plugins directory, then scans again each time it has
// been quiet for the debounce duration after a change to a plugin file,
// until ctx ends or the directory disappears.
func (r *run) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(r.c.dir); err != nil {
		return err
	}
	r.reconcile(ctx)

	debounce := time.NewTimer(r.c.debounce)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return ctx.Err()
		case ev, ok := <-w.Events:
			if !ok {
				return errDirGone
			}
			if ev.Name == r.c.dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return errDirGone
			}
			if relevant(ev.Name) {
				debounce.Reset(r.c.debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return errDirGone
			}
			// Events may have been lost: scan again.
			r.le.WithError(err).Warn("watching the plugins dir")
			debounce.Reset(r.c.debounce)
		case <-debounce.C:
			if _, err := os.Stat(r.c.dir); err != nil {
				return errDirGone
			}
			r.reconcile(ctx)
		}
	}
}

// relevant reports whether a change to the file name matters to the
// loader: plugin files and build manifests, not dotfiles (temporary files
// of atomic writes start with a dot) nor the manifest of loaded plugins.
func relevant(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	return strings.HasSuffix(base, hot_plugin.PluginSuffix) || strings.HasSuffix(base, hot_manifest.BuildSuffix)
}

// isPluginName reports whether a directory entry is a plugin file.
func isPluginName(base string) bool {
	return !strings.HasPrefix(base, ".") && strings.HasSuffix(base, hot_plugin.PluginSuffix) && base != hot_plugin.PluginSuffix
}
