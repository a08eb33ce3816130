package hot_loader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/fsnotify/fsnotify"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// DefaultDebounceDur is how long the builds directory must be quiet before
// a change is applied when Config.Debounce is zero.
const DefaultDebounceDur = 100 * time.Millisecond

// Config is what a loader controller hands the core. The zero value of
// every field but LoaderID and Dir works.
type Config struct {
	// LoaderID is the loader's controller ID ("hotbus/loader/filesystem"):
	// WatchManifest directives for another loader are not answered, and
	// the manifest names it.
	LoaderID string
	// Dir is the builds directory. It is cleaned and made absolute.
	Dir string
	// Watch follows Dir: builds load, swap and drop as files come and go.
	// Without it Dir is scanned once.
	Watch bool
	// Debounce is how long Dir must be quiet before a change is applied;
	// zero means DefaultDebounceDur.
	Debounce time.Duration
	// AllowInsecurePermissions loads from a directory or files that group
	// or others can write, or that another user owns.
	AllowInsecurePermissions bool
	// AllowExternalSymlinks follows symlinks that lead out of Dir.
	AllowExternalSymlinks bool
	// StopTimeout bounds the wait for a dropped build's controllers, and
	// for a reload's first controller; zero means StopTimeout.
	StopTimeout time.Duration

	// ReadDir lists Dir; nil means os.ReadDir (tests make it fail).
	ReadDir func(string) ([]os.DirEntry, error)
	// Stat stats a build file; nil means os.Stat (tests make it fail).
	Stat func(string) (os.FileInfo, error)
	// NewWatcher makes Dir's watcher; nil means fsnotify.NewWatcher
	// (tests make it fail).
	NewWatcher func() (*fsnotify.Watcher, error)
}

// Loader is the shared core of a loader controller: it follows the builds
// directory and keeps the bus in line with it, opening builds through an
// Opener. The loader controller holds one and forwards Execute and
// HandleDirective to it.
type Loader struct {
	le *logrus.Entry
	b  bus.Bus
	// conf is the config, with defaults filled in and Dir absolute.
	conf Config
	// state is the manifest of loaded builds.
	state manifestState
	// running counts Execute calls in progress; exited is closed when it
	// drops to zero.
	mu      sync.Mutex
	running int
	exited  chan struct{}
}

// New constructs the core of a loader on b. It does nothing until Execute.
func New(le *logrus.Entry, b bus.Bus, conf Config) *Loader {
	conf.Dir = hot_manifest.CleanDir(conf.Dir)
	if conf.Debounce <= 0 {
		conf.Debounce = DefaultDebounceDur
	}
	if conf.StopTimeout <= 0 {
		conf.StopTimeout = StopTimeout
	}
	if conf.ReadDir == nil {
		conf.ReadDir = os.ReadDir
	}
	if conf.Stat == nil {
		conf.Stat = os.Stat
	}
	if conf.NewWatcher == nil {
		conf.NewWatcher = fsnotify.NewWatcher
	}
	l := &Loader{le: le.WithField("plugins-dir", conf.Dir), b: b, conf: conf}
	l.state.set(l.newManifest())
	return l
}

// newManifest returns an empty manifest of this loader.
func (l *Loader) newManifest() *hot_manifest.Manifest {
	return &hot_manifest.Manifest{Dir: l.conf.Dir, Loader: l.conf.LoaderID, UpdatedAt: time.Now()}
}

// Dir returns the builds directory (absolute).
func (l *Loader) Dir() string {
	return l.conf.Dir
}

// GetManifest returns the current manifest of loaded builds: a snapshot,
// never modify it.
func (l *Loader) GetManifest() *hot_manifest.Manifest {
	m, _ := l.state.get()
	return m
}

// WaitManifest waits until cb returns true for the current manifest or a
// later one, and returns that manifest, or ctx's error.
func (l *Loader) WaitManifest(ctx context.Context, cb func(m *hot_manifest.Manifest) bool) (*hot_manifest.Manifest, error) {
	for {
		m, changed := l.state.get()
		if cb(m) {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-changed:
		}
	}
}

// Execute loads the builds in Dir with op and, with Watch, follows Dir
// until ctx ends; then every loaded build is dropped and released.
// Problems with builds and with the directory are logged and recorded in
// the manifest, never returned: only ctx ends it, or a failure to make
// the private directory for the copies (retry later).
func (l *Loader) Execute(ctx context.Context, op Opener) error {
	l.mu.Lock()
	l.running++
	l.mu.Unlock()
	defer l.execDone()
	r, err := l.newRun(op)
	if err != nil {
		return err
	}
	defer r.close(ctx)
	return r.execute(ctx)
}

// execDone counts one Execute less, waking WaitExited at zero.
func (l *Loader) execDone() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running--
	if l.running == 0 && l.exited != nil {
		close(l.exited)
		l.exited = nil
	}
}

// WaitExited waits until Execute is not running: after its context was
// canceled, every build was dropped and the loader writes nothing more.
// It returns at once if Execute isn't running.
func (l *Loader) WaitExited(ctx context.Context) error {
	l.mu.Lock()
	if l.running == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.exited == nil {
		l.exited = make(chan struct{})
	}
	ch := l.exited
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// HandleDirective resolves WatchManifest for this loader: one that names
// this loader's directory (or none) and this loader's ID (or none).
func (l *Loader) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	if d, ok := di.GetDirective().(hot_manifest.WatchManifest); ok {
		dir, id := d.WatchManifestDir(), d.WatchManifestLoader()
		if (dir == "" || dir == l.conf.Dir) && (id == "" || id == l.conf.LoaderID) {
			return directive.R(&manifestResolver{s: &l.state}, nil)
		}
	}
	return nil, nil
}

// newRun prepares one Execute: the private directory for the copies.
func (l *Loader) newRun(op Opener) (*run, error) {
	tmp, err := os.MkdirTemp("", "hotbus-loader-*")
	if err != nil {
		return nil, fmt.Errorf("loader %s: make the private directory for build copies: %w", l.conf.Dir, err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("loader %s: chmod %s: %w", l.conf.Dir, tmp, err)
	}
	return &run{
		c:       l,
		op:      op,
		noun:    buildNoun(op.Mode()),
		le:      l.le,
		tmpDir:  tmp,
		files:   make(map[string]*file),
		active:  make(map[string]*live),
		stopped: make(map[string]time.Duration),
		// A few are enough: the first failure of a build drops it.
		failures:      make(chan failure, 8),
		processEvents: make(chan processEvent),
		stuckExits:    make(chan stuckExit),
	}, nil
}

// copyPath returns where the next copy of the build at path goes.
func (r *run) copyPath(path string) string {
	r.seq++
	return filepath.Join(r.tmpDir, fmt.Sprintf("%04d-%s", r.seq, filepath.Base(path)))
}

// buildNoun is what logs and errors call a build of mode: a Go plugin in
// process, a child executable in process mode.
func buildNoun(mode hot_manifest.Mode) string {
	if mode == hot_manifest.ModeProcess {
		return "child executable"
	}
	return "plugin"
}
