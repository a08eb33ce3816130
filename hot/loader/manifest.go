package hot_loader

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aperturerobotics/controllerbus/directive"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// manifestState holds the current manifest snapshot and wakes watchers
// when it is replaced.
type manifestState struct {
	mu      sync.Mutex
	cur     *hot_manifest.Manifest
	changed chan struct{}
}

// get returns the current snapshot and a channel closed when it changes.
func (s *manifestState) get() (*hot_manifest.Manifest, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.cur, s.changed
}

// set replaces the snapshot and wakes watchers.
func (s *manifestState) set(m *hot_manifest.Manifest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = m
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// manifestResolver resolves WatchManifest with the current snapshot,
// replacing the value when it changes.
type manifestResolver struct {
	s *manifestState
}

// Resolve emits the current manifest and replaces it on each change until
// ctx ends.
func (r *manifestResolver) Resolve(ctx context.Context, h directive.ResolverHandler) error {
	var last *hot_manifest.Manifest
	var valID uint32
	var have bool
	for {
		m, changed := r.s.get()
		if m != last {
			if have {
				_, _ = h.RemoveValue(valID)
				have = false
			}
			if m != nil {
				valID, have = h.AddValue(m)
			}
			last = m
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// publish builds a new manifest snapshot from the run's files, writes it
// into the plugins directory (if write is set, the directory is usable and
// ctx is not done)
// and then hands it to watchers, so a watcher that sees a state can read
// it from the file too.
func (r *run) publish(ctx context.Context, write bool) {
	m := r.c.newManifest()
	for _, f := range r.files {
		rec := f.record
		rec.ConfigIDs = slices.Clone(rec.ConfigIDs)
		rec.Stuck = slices.Clone(rec.Stuck)
		m.Plugins = append(m.Plugins, rec)
	}
	slices.SortFunc(m.Plugins, func(a, b hot_manifest.Plugin) int {
		return strings.Compare(a.Path, b.Path)
	})
	if write && r.dirOK && ctx.Err() == nil {
		if err := hot_manifest.WriteFile(r.c.conf.Dir, m); err != nil {
			r.le.WithError(err).Warn("could not write the manifest of loaded plugins")
		}
	}
	r.c.state.set(m)
}

// _ is a type assertion
var _ directive.Resolver = ((*manifestResolver)(nil))
