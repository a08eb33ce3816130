package hot_loader

import (
	"context"
	"path/filepath"
	"sync"

	"github.com/aperturerobotics/controllerbus/directive"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// announcements follows hot_manifest.WatchPublished for the plugins
// directory: a compiler on the same bus announces each build it
// publishes there, and the watch loop scans at once instead of waiting
// for fsnotify and the quiet period. Only the latest announcement is
// kept: a scan sees every file in place when it runs.
type announcements struct {
	// ready has a token while an announcement waits for a scan.
	ready chan struct{}
	ref   directive.Reference

	mu     sync.Mutex
	latest *hot_manifest.Published

	// heard is set (by the watch loop, see take) once a compiler
	// announced a build file of the loader's kind in the directory: its
	// later publishes need not be caught early by fsnotify.
	heard bool
}

// announcements adds the WatchPublished directive for the plugins dir.
// Without a bus it returns nil, whose methods do nothing.
func (r *run) announcements() *announcements {
	if r.c.b == nil {
		return nil
	}
	a := &announcements{ready: make(chan struct{}, 1)}
	_, ref, err := r.c.b.AddDirective(
		hot_manifest.NewWatchPublished(r.c.conf.Dir),
		directive.NewCallbackHandler(a.added, nil, nil),
	)
	if err != nil {
		// The filesystem path still works: only slower.
		r.le.WithError(err).Warn("can't follow the publishes of compilers on the bus; the loader waits for the filesystem instead")
		return nil
	}
	a.ref = ref
	return a
}

// added takes a WatchPublished value. It does not block.
func (a *announcements) added(v directive.AttachedValue) {
	p, ok := v.GetValue().(hot_manifest.WatchPublishedValue)
	if !ok || p == nil {
		return
	}
	a.mu.Lock()
	a.latest = p
	a.mu.Unlock()
	select {
	case a.ready <- struct{}{}:
	default:
	}
}

// wait returns a channel that receives when an announcement waits, or
// nil (never receives) without announcements.
func (a *announcements) wait() <-chan struct{} {
	if a == nil {
		return nil
	}
	return a.ready
}

// take returns the latest announcement if it is a build file of the
// plugins directory for r's opener, else nil.
func (a *announcements) take(r *run) *hot_manifest.Published {
	a.mu.Lock()
	p := a.latest
	a.mu.Unlock()
	if p == nil || filepath.Dir(p.Path) != r.c.conf.Dir || !r.isBuildName(filepath.Base(p.Path)) {
		return nil
	}
	a.heard = true
	return p
}

// announced reports whether a compiler on the bus announces the publishes
// of build files of the loader's kind into the directory.
func (a *announcements) announced() bool {
	return a != nil && a.heard
}

// release removes the directive.
func (a *announcements) release() {
	if a != nil {
		a.ref.Release()
	}
}

// reconcileFor is reconcile, with the reload log lines saying how the
// change was detected ("directive", "fsnotify").
func (r *run) reconcileFor(ctx context.Context, detectedBy string) error {
	r.detectedBy = detectedBy
	defer func() { r.detectedBy = "" }()
	return r.reconcile(ctx)
}
