package hot_loader_process

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/sirupsen/logrus"
)

// Restart backoff of a child that ended by itself: the first restart
// waits DefaultRestartMin, each next one twice as long, at most
// DefaultRestartMax. A child that ran longer than DefaultRestartMax before
// it ended starts over at DefaultRestartMin.
const (
	// DefaultRestartMin is the wait before the first restart.
	DefaultRestartMin = time.Second
	// DefaultRestartMax caps the wait between restarts.
	DefaultRestartMax = 30 * time.Second
)

// openerOptions are the opener's timeouts; zero values are the defaults.
type openerOptions struct {
	// handshakeTimeout bounds a child's start (hot_ipc.DefaultHandshakeTimeout).
	handshakeTimeout time.Duration
	// stopTimeout bounds a child controller's stop (hot_ipc.DefaultStopTimeout).
	stopTimeout time.Duration
	// restartMin and restartMax are the restart backoff.
	restartMin, restartMax time.Duration
}

// withDefaults fills in the defaults.
func (o openerOptions) withDefaults() openerOptions {
	if o.handshakeTimeout <= 0 {
		o.handshakeTimeout = hot_ipc.DefaultHandshakeTimeout
	}
	if o.stopTimeout <= 0 {
		o.stopTimeout = hot_ipc.DefaultStopTimeout
	}
	if o.restartMin <= 0 {
		o.restartMin = DefaultRestartMin
	}
	if o.restartMax <= 0 {
		o.restartMax = DefaultRestartMax
	}
	return o
}

// opener is the process-mode hot_loader.Opener: each build is the
// loader's private copy of a *.cbus.exe, started as a child with hot_ipc
// (go-plugin checks the copy's sha256 before it runs).
type opener struct {
	le   *logrus.Entry
	b    bus.Bus
	opts openerOptions
}

// newOpener returns the opener of one Execute of the loader.
func newOpener(le *logrus.Entry, b bus.Bus, opts openerOptions) *opener {
	return &opener{le: le, b: b, opts: opts.withDefaults()}
}

// Suffix is hot_manifest.ProcessSuffix (".cbus.exe").
func (o *opener) Suffix() string {
	return hot_manifest.ProcessSuffix
}

// Mode is hot_manifest.ModeProcess.
func (o *opener) Mode() hot_manifest.Mode {
	return hot_manifest.ModeProcess
}

// Open starts the copy of the build at path as a child and reads what it
// offers. Every Open is a new child: reused is always false.
func (o *opener) Open(path, copyPath, sum string) (hot_loader.Build, bool, error) {
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return nil, false, fmt.Errorf("build %s: bad sha256 %q: %w", path, sum, err)
	}
	bd := &childBuild{
		path: path,
		le:   o.le.WithField("plugin-path", path),
		opts: o.opts,
		cfg: hot_ipc.StartConfig{
			Path:             copyPath,
			SHA256:           raw,
			StopTimeout:      o.opts.stopTimeout,
			HandshakeTimeout: o.opts.handshakeTimeout,
			// go-plugin's socket dir goes into the OS temp dir (a unix
			// socket path is limited to about 100 bytes, too short for
			// the loader's private directory); it is removed when the
			// child stops.
			Logger:  o.le.WithField("plugin-path", path),
			HostBus: o.b,
		},
		changed: make(chan struct{}),
		proven:  make(chan struct{}),
	}
	child, err := hot_ipc.Start(context.Background(), bd.cfg)
	if err != nil {
		return nil, false, fmt.Errorf("build %s: %w", path, err)
	}
	bd.info = child.Info()
	if bd.info.BinaryID == "" {
		_ = child.Close(context.Background())
		return nil, false, fmt.Errorf("build %s: the child has an empty binary ID: pass one to hot_ipc.Serve", path)
	}
	bd.le = bd.le.WithField("binary-id", bd.info.BinaryID).WithField("binary-version", bd.info.BinaryVersion)
	bd.setChild(child)
	ctx, cancel := context.WithCancel(context.Background())
	bd.stop = cancel
	bd.superDone = make(chan struct{})
	go bd.supervise(ctx, child)
	return bd, false, nil
}

// childBuild is one build started as a child process: a hot_loader.Build.
// Its supervisor starts the child again, with backoff, when it ends by
// itself, until Release.
type childBuild struct {
	path string
	le   *logrus.Entry
	opts openerOptions
	cfg  hot_ipc.StartConfig
	// info is what the first child said of itself.
	info hot_ipc.ChildInfo
	// proven is closed when a controller first runs in the child.
	proven     chan struct{}
	provenOnce sync.Once
	// stop ends the supervisor; superDone is closed when it returned.
	stop      context.CancelFunc
	superDone chan struct{}

	mu sync.Mutex
	// child is the running child; nil while it is restarted.
	child *hot_ipc.Child
	// changed is closed (and replaced) when child changes.
	changed  chan struct{}
	released bool
	// restarts counts the restarts; lastExit is how the child last ended.
	restarts int
	lastExit string
}

// BinaryID is the child's binary ID.
func (b *childBuild) BinaryID() string {
	return b.info.BinaryID
}

// BinaryVersion is the child's binary version.
func (b *childBuild) BinaryVersion() string {
	return b.info.BinaryVersion
}

// NewResolver returns a resolver with one proxy factory per config ID the
// child offers, living until ctx ends.
func (b *childBuild) NewResolver(ctx context.Context, _ bus.Bus) (controller.FactoryResolver, error) {
	res := &proxyResolver{}
	factories := make([]controller.Factory, 0, len(b.info.Factories))
	for _, fi := range b.info.Factories {
		v, err := controller.ParseVersion(fi.GetControllerVersion())
		if err != nil {
			b.le.WithField("config-id", fi.GetConfigId()).WithError(err).
				Warn("the child's factory has no valid controller version; using 0.0.0")
			v = controller.Version{}
		}
		factories = append(factories, &proxyFactory{b: b, res: res, id: fi.GetConfigId(), version: v})
	}
	inner, err := hot_plugin.NewResolver(ctx, b.info.BinaryID, b.info.BinaryVersion, factories)
	if err != nil {
		return nil, err
	}
	res.Resolver = inner
	return res, nil
}

// Process returns the child's PID (0 while it is restarted), its restarts
// and how it last ended.
func (b *childBuild) Process() hot_loader.ProcessState {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := hot_loader.ProcessState{Restarts: b.restarts, LastExit: b.lastExit}
	if b.child != nil {
		st.PID = b.child.Info().PID
	}
	return st
}

// ProcessChanged returns a channel closed when Process changes next.
func (b *childBuild) ProcessChanged() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// Proven returns a channel closed once a controller runs in the child
// (the child reported RUNNING): the build works, and the build it
// replaced can be stopped.
func (b *childBuild) Proven() <-chan struct{} {
	return b.proven
}

// markProven closes the Proven channel once.
func (b *childBuild) markProven() {
	b.provenOnce.Do(func() { close(b.proven) })
}

// Dropped does nothing: the child keeps running until Release, so that a
// rollback can put the build back.
func (b *childBuild) Dropped() {}

// Release stops the supervisor and the child, waiting until the process
// is gone (its controllers stopped first).
func (b *childBuild) Release() error {
	b.mu.Lock()
	b.released = true
	b.mu.Unlock()
	b.stop()
	<-b.superDone
	b.mu.Lock()
	child := b.child
	b.child = nil
	b.notifyLocked()
	b.mu.Unlock()
	if child == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.stopTimeout+hot_loader.StopTimeout)
	defer cancel()
	if err := child.Close(ctx); err != nil {
		return fmt.Errorf("stop the child of %s: %w", b.path, err)
	}
	return nil
}

// current returns the running child, waiting while it is restarted; an
// error once the build was released or ctx ended.
func (b *childBuild) current(ctx context.Context) (*hot_ipc.Child, error) {
	for {
		b.mu.Lock()
		if b.released {
			b.mu.Unlock()
			return nil, hot_ipc.ErrClosed
		}
		child, ch := b.child, b.changed
		b.mu.Unlock()
		if child != nil {
			select {
			case <-child.Exited():
				// The supervisor has not seen it yet.
			default:
				return child, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
	}
}

// setChild makes c the running child.
func (b *childBuild) setChild(c *hot_ipc.Child) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.child = c
	b.notifyLocked()
}

// notifyLocked wakes current's waiters. b.mu must be held.
func (b *childBuild) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// supervise waits for the child to end by itself and starts it again,
// with backoff, until ctx ends (Release).
func (b *childBuild) supervise(ctx context.Context, child *hot_ipc.Child) {
	defer close(b.superDone)
	backoff := b.opts.restartMin
	started := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-child.Exited():
		}
		if ctx.Err() != nil {
			return
		}
		exitErr := child.Err()
		// Removes go-plugin's socket dir; the process is gone already.
		_ = child.Close(ctx)
		if time.Since(started) > b.opts.restartMax {
			backoff = b.opts.restartMin
		}
		b.mu.Lock()
		b.child = nil
		b.restarts++
		if exitErr != nil {
			b.lastExit = exitErr.Error()
		}
		restarts := b.restarts
		b.notifyLocked()
		b.mu.Unlock()
		le := b.le.WithField("pid", child.Info().PID)
		var ee *hot_ipc.ExitError
		if errors.As(exitErr, &ee) {
			le = le.WithField("exit-status", ee.Status).WithField("last-stderr", strings.Join(ee.LastStderr, "\n"))
		}
		for {
			le.WithField("restarts", restarts).WithField("restart-in", backoff.String()).
				Error("the child process ended; starting it again")
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, b.opts.restartMax)
			nc, err := hot_ipc.Start(ctx, b.cfg)
			if err == nil {
				child, started = nc, time.Now()
				b.setChild(nc)
				b.le.WithField("pid", nc.Info().PID).WithField("restarts", restarts).Info("child process restarted")
				break
			}
			if ctx.Err() != nil {
				return
			}
			b.le.WithError(err).Error("could not start the child process again")
			le = b.le.WithError(err)
			b.mu.Lock()
			b.lastExit = err.Error()
			b.restarts++
			restarts = b.restarts
			b.notifyLocked()
			b.mu.Unlock()
		}
	}
}

// _ is a type assertion
var (
	_ hot_loader.Opener       = ((*opener)(nil))
	_ hot_loader.ProcessBuild = ((*childBuild)(nil))
)
