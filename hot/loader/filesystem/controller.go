package hot_loader_filesystem

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/fsnotify/fsnotify"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/preflight"
	"github.com/sirupsen/logrus"
)

// ControllerID is the controller identifier.
const ControllerID = "hotbus/loader/filesystem"

// Version is the version of the controller implementation.
var Version = controller.MustParseVersion("0.0.1")

// controllerDescrip is the controller description.
const controllerDescrip = "loads hot plugins from a directory"

// Controller is the filesystem loader controller.
type Controller struct {
	le   *logrus.Entry
	b    bus.Bus
	conf *Config
	// dir is the plugins directory, absolute.
	dir string
	// debounce is the parsed DebounceDur.
	debounce time.Duration
	// stopTimeout bounds the wait for a dropped build's controllers, and
	// for a reload's first controller: StopTimeout (tests shorten it).
	stopTimeout time.Duration
	// readDir lists the plugins dir: os.ReadDir (tests make it fail).
	readDir func(string) ([]os.DirEntry, error)
	// stat stats a plugin file: os.Stat (tests make it fail).
	stat func(string) (os.FileInfo, error)
	// newWatcher makes the plugins dir's watcher: fsnotify.NewWatcher
	// (tests make it fail).
	newWatcher func() (*fsnotify.Watcher, error)
	// state is the manifest of loaded plugins.
	state manifestState
	// running counts Execute calls in progress; exited is closed when it
	// drops to zero.
	mu      sync.Mutex
	running int
	exited  chan struct{}
}

// NewController constructs the loader. It does nothing until Execute.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	if err := conf.Validate(); err != nil {
		return nil, err
	}
	debounce, _ := conf.ParseDebounceDur()
	dir := hot_manifest.CleanDir(conf.GetDir())
	c := &Controller{
		le:       le.WithField("plugins-dir", dir),
		b:        b,
		conf:     conf,
		dir:      dir,
		debounce: debounce,

		stopTimeout: StopTimeout,
		readDir:     os.ReadDir,
		stat:        os.Stat,
		newWatcher:  fsnotify.NewWatcher,
	}
	c.state.set(&hot_manifest.Manifest{Dir: dir, UpdatedAt: time.Now()})
	return c, nil
}

// GetControllerInfo returns information about the controller.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, controllerDescrip)
}

// GetDir returns the plugins directory (absolute).
func (c *Controller) GetDir() string {
	return c.dir
}

// GetManifest returns the current manifest of loaded plugins: a snapshot,
// never modify it.
func (c *Controller) GetManifest() *hot_manifest.Manifest {
	m, _ := c.state.get()
	return m
}

// WaitManifest waits until cb returns true for the current manifest or a
// later one, and returns that manifest, or ctx's error.
func (c *Controller) WaitManifest(ctx context.Context, cb func(m *hot_manifest.Manifest) bool) (*hot_manifest.Manifest, error) {
	for {
		m, changed := c.state.get()
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

// Execute loads the plugins in Dir and, with Watch, follows it until ctx
// ends; then every loaded plugin is dropped. Problems with plugins and
// with the directory are logged and recorded in the manifest, never
// returned: only ctx ends it.
func (c *Controller) Execute(ctx context.Context) error {
	c.mu.Lock()
	c.running++
	c.mu.Unlock()
	defer c.execDone()
	r, err := c.newRun()
	if err != nil {
		// Only the private temp dir can fail here: retry with backoff.
		return err
	}
	defer r.close()
	return r.execute(ctx)
}

// execDone counts one Execute less, waking WaitExited at zero.
func (c *Controller) execDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running--
	if c.running == 0 && c.exited != nil {
		close(c.exited)
		c.exited = nil
	}
}

// WaitExited waits until Execute is not running: after its context was
// canceled, every plugin was dropped and the loader writes nothing more.
// It returns at once if Execute isn't running.
func (c *Controller) WaitExited(ctx context.Context) error {
	c.mu.Lock()
	if c.running == 0 {
		c.mu.Unlock()
		return nil
	}
	if c.exited == nil {
		c.exited = make(chan struct{})
	}
	ch := c.exited
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// HandleDirective resolves WatchManifest for this loader's directory.
func (c *Controller) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	if d, ok := di.GetDirective().(hot_manifest.WatchManifest); ok {
		if dir := d.WatchManifestDir(); dir == "" || dir == c.dir {
			return directive.R(&manifestResolver{s: &c.state}, nil)
		}
	}
	return nil, nil
}

// Close releases any resources used by the controller. Plugins are dropped
// when Execute returns.
func (c *Controller) Close() error {
	return nil
}

// newRun prepares one Execute: the private directory for plugin copies and
// the host's description.
func (c *Controller) newRun() (*run, error) {
	tmp, err := os.MkdirTemp("", "hotbus-loader-*")
	if err != nil {
		return nil, fmt.Errorf("loader %s: make the private directory for plugin copies: %w", c.dir, err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("loader %s: chmod %s: %w", c.dir, tmp, err)
	}
	r := &run{
		c:       c,
		le:      c.le,
		tmpDir:  tmp,
		files:   make(map[string]*file),
		active:  make(map[string]*live),
		stopped: make(map[string]time.Duration),
		// A few are enough: the first failure of a build drops it.
		failures: make(chan failure, 8),
	}
	r.host, r.hostErr = preflight.CurrentHost()
	if r.hostErr == nil {
		// Read the host's package fingerprints now, before anything can
		// replace the executable on disk.
		_, r.hostErr = r.host.PkgHashes()
	}
	return r, nil
}

// copyDir returns where the copy number n of the plugin at path goes.
func (r *run) copyPath(path string) string {
	r.seq++
	return filepath.Join(r.tmpDir, fmt.Sprintf("%04d-%s", r.seq, filepath.Base(path)))
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
