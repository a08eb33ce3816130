package hot_ipc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultHandshakeTimeout is the handshake timeout when StartConfig gives none.
const DefaultHandshakeTimeout = 10 * time.Second

// DefaultStopTimeout is the stop timeout when StartConfig gives none.
const DefaultStopTimeout = 10 * time.Second

// StartConfig says which executable to start as a child and how.
type StartConfig struct {
	// Path is the child executable (one whose main calls Serve).
	Path string
	// SHA256 is the executable's expected sha256 checksum. Required: the
	// file is checked with go-plugin's SecureConfig before it is started,
	// so pass the checksum of the copy that was checked and will run.
	SHA256 []byte
	// Args are extra command-line arguments.
	Args []string
	// Env is added to the host's environment for the child.
	Env []string
	// StopTimeout bounds how long a child controller may take to return
	// from Execute once its Exec call ends (ctx or Close); after it the
	// call is cancelled and Exec returns an error. Zero means
	// DefaultStopTimeout.
	StopTimeout time.Duration
	// HandshakeTimeout bounds the time from process start to a working
	// connection; a child that does not complete the handshake in it is
	// killed. Zero means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// SocketDir is where go-plugin makes the (removed on stop) directory of
	// the child's unix socket; "" is the OS temp dir, or /tmp when the
	// temp dir's path is too long for a socket path (about 60 bytes).
	SocketDir string
	// Logger receives the child's log lines, tagged binary-id and pid.
	// Required.
	Logger *logrus.Entry
	// HostBus is where directives forwarded by the child are resolved (see
	// CrossingDirective). Nil: every forwarded directive fails with an
	// error that says so.
	HostBus bus.Bus
	// Directives lists the directive types the host resolves for the
	// child, each as a constructor of an empty directive to decode into;
	// they are matched by GetName(). Others fail with an error naming them.
	Directives []func() directive.Networked
}

// ChildInfo describes a running child.
type ChildInfo struct {
	// Path is the executable.
	Path string
	// PID is the child's process ID.
	PID int
	// BinaryID is the binary ID the child passed to Serve.
	BinaryID string
	// BinaryVersion is the binary version the child passed to Serve.
	BinaryVersion string
	// Factories lists the child's factories, sorted by config ID.
	Factories []*FactoryInfo
}

// ConfigIDs returns the config IDs the child's factories offer, sorted.
func (i *ChildInfo) ConfigIDs() []string {
	ids := make([]string, 0, len(i.Factories))
	for _, f := range i.Factories {
		ids = append(ids, f.GetConfigId())
	}
	return ids
}

// Child is a running child executable, started by Start.
//
// Lifecycle: Start returns once the handshake is done and the child's info
// was read. Exec runs controllers in it. When the process ends by itself
// (killed, crashed, exited) Exited is closed and Err returns an *ExitError;
// the host is not affected. Close stops the running Exec calls (their child
// controllers stop), then the process; after Close, Err returns nil.
type Child struct {
	info        ChildInfo
	stopTimeout time.Duration
	le          *logrus.Entry
	client      *plugin.Client
	rpc         *childClient
	proc        *procRunner
	stderr      *stderrLog
	stdio       [2]*stderrLog
	running     sync.WaitGroup
	// sockDir is the directory go-plugin made for the child's socket
	// (set when the process is about to be made); kill removes it.
	sockDir string

	// closeCtx ends every Exec call when Close begins.
	closeCtx    context.Context
	closeCancel context.CancelFunc
	closeOnce   sync.Once
	closeErr    error
	// relayDone is closed when the directive relay has released everything.
	relayDone chan struct{}

	mu     sync.Mutex
	closed bool
}

// Start starts the executable at cfg.Path as a child, after checking its
// checksum, and completes the go-plugin handshake within the handshake
// timeout. Failures say why: checksum mismatch (wraps
// plugin.ErrChecksumsDoNotMatch), an exit before the handshake (wraps
// *ExitError, with the exit status and last stderr lines), or no handshake
// in time (the process is killed). No process or socket dir is left behind
// on failure. ctx bounds the start; cancelling it kills the child.
func Start(ctx context.Context, cfg StartConfig) (*Child, error) {
	if cfg.Logger == nil {
		return nil, fmt.Errorf("start child %s: StartConfig.Logger is nil; pass the host's logger", cfg.Path)
	}
	if len(cfg.SHA256) != sha256.Size {
		return nil, fmt.Errorf("start child %s: StartConfig.SHA256 has %d bytes, want %d: pass the sha256 of the executable to run",
			cfg.Path, len(cfg.SHA256), sha256.Size)
	}
	timeout := cfg.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	// go-plugin's own check, called here: with a RunnerFunc it has no path.
	sc := &plugin.SecureConfig{Checksum: cfg.SHA256, Hash: sha256.New()}
	if ok, err := sc.Check(cfg.Path); err != nil {
		return nil, fmt.Errorf("start child %s: checksum: %w", cfg.Path, err)
	} else if !ok {
		return nil, fmt.Errorf("start child %s: %w: the file is not the build that was checked; refusing to run it",
			cfg.Path, plugin.ErrChecksumsDoNotMatch)
	}
	sockDir, err := socketDir(cfg.SocketDir)
	if err != nil {
		return nil, fmt.Errorf("start child %s: %w", cfg.Path, err)
	}

	c := &Child{
		info:        ChildInfo{Path: cfg.Path, BinaryID: filepath.Base(cfg.Path)},
		stopTimeout: cfg.StopTimeout,
	}
	if c.stopTimeout <= 0 {
		c.stopTimeout = DefaultStopTimeout
	}
	c.le = cfg.Logger.WithField("binary-id", c.info.BinaryID)
	c.stderr = &stderrLog{le: c.le}
	c.stdio = [2]*stderrLog{{le: c.le, stream: "stdout"}, {le: c.le, stream: "stderr"}}
	lvl := cfg.Logger.Logger.GetLevel()
	c.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          plugin.PluginSet{pluginName: &grpcPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     timeout,
		AutoMTLS:         true,
		Stderr:           c.stderr,
		SyncStdout:       c.stdio[0],
		SyncStderr:       c.stdio[1],
		Logger:           hclog.NewNullLogger(),
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: sockDir},
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, sockDir string) (runner.Runner, error) {
			c.sockDir = sockDir
			cmd := exec.Command(cfg.Path, cfg.Args...)
			cmd.Env = append(append(spec.Env, cfg.Env...), envLogLevel+"="+lvl.String())
			pr, err := newProcRunner(ctx, cmd)
			if err != nil {
				return nil, err
			}
			c.proc = pr
			c.stderr.proc = pr
			c.stdio[0].proc, c.stdio[1].proc = pr, pr
			return pr, nil
		},
	})

	started := time.Now()
	res := make(chan error, 1)
	go func() {
		res <- c.connect()
	}()
	select {
	case err = <-res:
	case <-ctx.Done():
		// The runner kills the process (go-plugin's Start holds its lock
		// until the handshake ends), then Start returns.
		err = <-res
	}
	if c.proc != nil {
		c.proc.stopKillOnCancel()
	}
	if ctx.Err() != nil {
		c.kill()
		return nil, fmt.Errorf("start child %s: %w", cfg.Path, ctx.Err())
	}
	if err != nil {
		return nil, c.startFailed(err, started.Add(timeout), timeout)
	}
	c.info.PID = c.proc.pid
	info, err := c.rpc.getInfo(ctx)
	if err != nil {
		c.kill()
		return nil, fmt.Errorf("start child %s: read its info: %w", cfg.Path, err)
	}
	c.info.BinaryID = info.GetBinaryId()
	c.info.BinaryVersion = info.GetBinaryVersion()
	c.info.Factories = info.GetFactories()
	c.le = cfg.Logger.WithField("binary-id", c.info.BinaryID)
	for _, l := range []*stderrLog{c.stderr, c.stdio[0], c.stdio[1]} {
		l.setEntry(c.le)
	}
	c.closeCtx, c.closeCancel = context.WithCancel(context.Background())
	ds, err := c.rpc.directives(c.closeCtx)
	if err != nil {
		c.closeCancel()
		c.kill()
		return nil, fmt.Errorf("start child %s: open the directives stream: %w", cfg.Path, err)
	}
	c.relayDone = make(chan struct{})
	go func() {
		defer close(c.relayDone)
		newRelay(c.le, cfg.HostBus, cfg.Directives, ds).run(c.closeCtx)
	}()
	go c.watchExit()
	c.le.WithField("pid", c.info.PID).
		WithField("config-ids", strings.Join(c.info.ConfigIDs(), ",")).
		WithField("start-dur", time.Since(started).Round(time.Millisecond).String()).
		Debug("child started")
	return c, nil
}

// watchExit logs the process's end when Close did not cause it.
func (c *Child) watchExit() {
	<-c.proc.done
	if err := c.Err(); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			c.le.WithField("pid", ee.PID).
				WithField("exit-status", ee.Status).
				WithField("last-stderr", strings.Join(ee.LastStderr, "\n")).
				Error("child process exited")
		}
	}
}

// connect starts the process, handshakes and dispenses the client.
func (c *Child) connect() error {
	rpc, err := c.client.Client()
	if err != nil {
		return err
	}
	raw, err := rpc.Dispense(pluginName)
	if err != nil {
		return err
	}
	c.rpc = raw.(*childClient)
	return nil
}

// kill kills the process if it still runs, waits for it, and removes the
// socket dir go-plugin made for it. go-plugin's Kill removes that dir only
// when a process was started: a start that failed first (the process not
// made, ctx canceled at a restart) would leave it behind.
func (c *Child) kill() {
	c.client.Kill()
	if c.sockDir != "" {
		_ = os.RemoveAll(c.sockDir)
	}
}

// startFailed cleans up after a failed start and says why it failed.
func (c *Child) startFailed(err error, deadline time.Time, timeout time.Duration) error {
	path := c.info.Path
	if c.proc != nil && c.proc.pid != 0 {
		// A process that closed its stdout is exiting: give it until the
		// handshake deadline to be reaped, so its exit status is known.
		wait := time.NewTimer(time.Until(deadline))
		select {
		case <-c.proc.done:
		case <-wait.C:
		}
		wait.Stop()
	}
	// go-plugin kills the process itself when its StartTimeout ends, so a
	// reaped process may be one that hung: only an exit of its own is one.
	exited := c.proc != nil && c.proc.exitedByItself()
	c.kill()
	if c.proc == nil || c.proc.pid == 0 {
		return fmt.Errorf("start child %s: %w", path, err)
	}
	if exited {
		return fmt.Errorf("start child %s: it exited before the handshake: %w", path, c.exitError())
	}
	return fmt.Errorf("start child %s: no handshake within %s (%v); the process was killed; "+
		"is it a hotbus child (main calls hot_ipc.Serve) built for this protocol version %d? last stderr lines: %s",
		path, timeout, err, ProtocolVersion, strings.Join(c.stderr.lastLines(), " | "))
}

// exitError describes the ended process.
func (c *Child) exitError() *ExitError {
	st := c.proc.exitState()
	e := &ExitError{Path: c.info.Path, PID: c.proc.pid, LastStderr: c.stderr.lastLines()}
	if st != nil {
		e.Status, e.ExitCode = st.String(), st.ExitCode()
	}
	return e
}

// Info describes the child.
func (c *Child) Info() ChildInfo {
	info := c.info
	info.Factories = append([]*FactoryInfo(nil), c.info.Factories...)
	return info
}

// Exited is closed when the child process has ended, by itself or by Close.
func (c *Child) Exited() <-chan struct{} {
	return c.proc.done
}

// Err returns nil while the child runs and after Close stopped it; after
// the process ended by itself, an *ExitError with its status and last
// stderr lines.
func (c *Child) Err() error {
	if c.proc.exitState() == nil {
		return nil
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil
	}
	return c.exitError()
}

// Exec runs a controller in the child from configID and its JSON config,
// and blocks until the controller stops or ctx ends; then the child
// controller is stopped, and Exec returns nil once it has returned from
// Execute (bounded by StartConfig.StopTimeout). onStatus (may be nil) gets
// each status change as controllerbus's ExecControllerResponse
// (CONFIGURING, RUNNING, ERROR with ErrorInfo).
//
// A config the child rejects returns a *ConfigError at once; a controller
// that fails returns an error with its text; a child that ends returns an
// error wrapping its *ExitError; after Close, ErrClosed. Exec never
// retries.
func (c *Child) Exec(ctx context.Context, configID string, configJSON []byte, onStatus func(*controller_exec.ExecControllerResponse)) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.running.Add(1)
	c.mu.Unlock()
	defer c.running.Done()

	// The call is cancelled only if the child controller does not stop in
	// time; ctx and Close stop it by half-closing the call.
	callCtx, cancelCall := context.WithCancel(context.Background())
	defer cancelCall()
	stream, err := c.rpc.exec(callCtx, &ExecRequest{ConfigId: configID, ConfigJson: configJSON})
	if err != nil {
		return c.execErr(configID, err, false)
	}
	returned := make(chan struct{})
	defer close(returned)
	var stopping, timedOut atomic.Bool
	go func() {
		select {
		case <-ctx.Done():
		case <-c.closeCtx.Done():
		case <-returned:
			return
		}
		stopping.Store(true)
		_ = stream.stop()
		timer := time.NewTimer(c.stopTimeout)
		defer timer.Stop()
		select {
		case <-timer.C:
			timedOut.Store(true)
			cancelCall()
		case <-returned:
		}
	}()
	for {
		resp, err := stream.recv()
		if err != nil {
			if rej := stream.rejection(); rej != nil {
				return &ConfigError{
					BinaryID: c.info.BinaryID,
					ConfigID: rej.GetConfigId(),
					Kind:     rej.GetKind(),
					Reason:   rej.GetReason(),
					Field:    rej.GetField(),
				}
			}
			if timedOut.Load() {
				return fmt.Errorf("child %s: controller %s did not stop within %s of its Exec ending; the call was cancelled",
					c.info.BinaryID, configID, c.stopTimeout)
			}
			return c.execErr(configID, err, stopping.Load())
		}
		if onStatus != nil {
			onStatus(resp)
		}
		if resp.GetStatus() == controller_exec.ControllerStatus_ControllerStatus_ERROR {
			return fmt.Errorf("child %s: controller %s failed: %s", c.info.BinaryID, configID, resp.GetErrorInfo())
		}
	}
}

// execErr explains how an Exec call ended: io.EOF after a stop is the
// child's orderly end (nil, or ErrClosed when Close stopped it).
func (c *Child) execErr(configID string, err error, stopping bool) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if err == io.EOF {
		switch {
		case closed:
			return ErrClosed
		case stopping:
			return nil
		}
		return fmt.Errorf("child %s: run %s: the child ended the call before the controller was stopped", c.info.BinaryID, configID)
	}
	if status.Code(err) == codes.Unavailable {
		// The connection broke: the process is ending. Wait for it, so the
		// error carries its exit status.
		wait := time.NewTimer(DefaultHandshakeTimeout)
		defer wait.Stop()
		select {
		case <-c.proc.done:
			return fmt.Errorf("child %s: run %s: %w", c.info.BinaryID, configID, c.exitError())
		case <-wait.C:
		}
	}
	return fmt.Errorf("child %s: run %s: %w", c.info.BinaryID, configID, err)
}

// Ping checks that the child answers: go-plugin's health check over the
// connection. A child that does not answer before ctx ends (stopped, or
// stuck so that its gRPC server can't run) is an error; Ping does not
// kill it.
func (c *Child) Ping(ctx context.Context) error {
	rpc, err := c.client.Client()
	if err != nil {
		return fmt.Errorf("ping child %s: %w", c.info.BinaryID, err)
	}
	res := make(chan error, 1)
	go func() { res <- rpc.Ping() }() // returns once the connection breaks, at the latest
	select {
	case err := <-res:
		if err != nil {
			return fmt.Errorf("ping child %s (pid %d): %w", c.info.BinaryID, c.info.PID, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ping child %s (pid %d): no answer: %w", c.info.BinaryID, c.info.PID, context.Cause(ctx))
	}
}

// Close stops the child's controllers (every Exec call ends), then the
// process: go-plugin closes the connection, the child's Serve returns, and
// a child that has not exited 2 s later, or when ctx ends, is killed. The
// directives the child had forwarded are released on the host bus.
// Close waits for the process to be gone and returns ctx's error if ctx
// ended first. Calling it again returns the first result. Call it after
// an unexpected exit too: it removes the socket dir go-plugin made.
func (c *Child) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		began := time.Now()
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.closeCancel()
		execsDone := make(chan struct{})
		go func() {
			c.running.Wait()
			close(execsDone)
		}()
		select {
		case <-execsDone:
		case <-ctx.Done():
			c.closeErr = fmt.Errorf("close child %s: controllers did not stop: %w", c.info.BinaryID, ctx.Err())
		}
		killed := make(chan struct{})
		go func() {
			c.kill()
			close(killed)
		}()
		select {
		case <-killed:
		case <-ctx.Done():
			_ = c.proc.Kill(context.Background())
			<-killed
			if c.closeErr == nil {
				c.closeErr = fmt.Errorf("close child %s: killed: %w", c.info.BinaryID, ctx.Err())
			}
		}
		select {
		case <-c.relayDone:
		case <-ctx.Done():
			if c.closeErr == nil {
				c.closeErr = fmt.Errorf("close child %s: directives not released: %w", c.info.BinaryID, ctx.Err())
			}
		}
		c.le.WithField("pid", c.info.PID).
			WithField("stop-dur", time.Since(began).Round(time.Millisecond).String()).
			Debug("child stopped")
	})
	return c.closeErr
}
