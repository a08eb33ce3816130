package hot_ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// envLogLevel is set by the host to its logger's level (logrus level name);
// the child logs at that level.
const envLogLevel = "HOTBUS_CHILD_LOG_LEVEL"

// Serve runs a hotbus child executable: it starts a controllerbus core bus
// with the factories and serves it to the host that started the process,
// over hashicorp/go-plugin (gRPC). It returns when the host closes the
// connection (the bus is then stopped); the generated main returns after it.
//
// Serve mirrors hot_plugin.NewStaticPlugin: factories is called once with
// the child's bus; nil entries are skipped. Run directly (not by a host),
// it prints that this is a hotbus child executable and exits with status 1.
// The child logs JSON lines on its stderr, which the host parses into its
// own logger (see Start).
//
// Each factory is wrapped so the child knows when a controller it built
// returned from Execute: controllers on the child's bus are that wrapper
// (it forwards every method), so code in the child that type-asserts a
// controller taken from the bus sees the wrapper, not its own type.
func Serve(binaryID, binaryVersion string, factories func(bus.Bus) []controller.Factory) {
	if os.Getenv(handshake.MagicCookieKey) != handshake.MagicCookieValue {
		fmt.Fprintf(os.Stderr, "hotbus child %s %s: this is a hotbus child executable; it is started by hotbus/loader/process, "+
			"not run directly: put it in the plugins dir of a process loader\n", binaryID, binaryVersion)
		os.Exit(1)
	}
	// go-plugin replaces os.Stderr with a pipe during Serve; logs go to the
	// process's real stderr, which the host reads line by line.
	log := logrus.New()
	log.Out = os.Stderr
	log.Formatter = &logrus.JSONFormatter{}
	if lvl, err := logrus.ParseLevel(os.Getenv(envLogLevel)); err == nil {
		log.SetLevel(lvl)
	}
	le := logrus.NewEntry(log)
	if err := serve(le, binaryID, binaryVersion, factories); err != nil {
		le.WithError(err).Error("hotbus child failed")
		os.Exit(1)
	}
}

// serve builds the bus and serves it until the host disconnects.
func serve(le *logrus.Entry, binaryID, binaryVersion string, factories func(bus.Bus) []controller.Factory) error {
	if factories == nil {
		return fmt.Errorf("child %s: no factories function passed to hot_ipc.Serve", binaryID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		return fmt.Errorf("child %s: start bus: %w", binaryID, err)
	}
	fwd := newForwarder(le)
	if _, err := b.AddController(ctx, fwd, nil); err != nil {
		return fmt.Errorf("child %s: start the directive forwarder: %w", binaryID, err)
	}
	srv := &childService{
		le:        le,
		fwd:       fwd,
		track:     newTracker(),
		bus:       b,
		factories: make(map[string]controller.Factory),
		info:      &Info{BinaryId: binaryID, BinaryVersion: binaryVersion},
	}
	list, err := callFactories(binaryID, factories, b)
	if err != nil {
		return err
	}
	for _, f := range list {
		if f == nil {
			continue
		}
		id := f.GetConfigID()
		if _, dup := srv.factories[id]; dup {
			return fmt.Errorf("child %s: two factories have config ID %q; give each controller its own config ID", binaryID, id)
		}
		f = &trackedFactory{Factory: f, t: srv.track}
		srv.factories[id] = f
		sr.AddFactory(f)
		srv.info.Factories = append(srv.info.Factories, &FactoryInfo{
			ConfigId:          id,
			ControllerVersion: f.GetVersion().String(),
		})
	}
	sort.Slice(srv.info.Factories, func(i, j int) bool {
		return srv.info.Factories[i].ConfigId < srv.info.Factories[j].ConfigId
	})
	le.WithField("binary-version", binaryVersion).
		WithField("config-ids", strings.Join(srv.configIDs(), ",")).
		Debug("hotbus child serving")
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{pluginName: &grpcPlugin{srv: srv}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.ForceServerCodec(vtCodec{}))...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       "go-plugin",
			Level:      hclog.Warn,
			Output:     os.Stderr,
			JSONFormat: true,
		}),
	})
	return nil
}

// callFactories calls the factories function; a panic is an error.
func callFactories(binaryID string, factories func(bus.Bus) []controller.Factory, b bus.Bus) (list []controller.Factory, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("child %s: building factories panicked: %v", binaryID, r)
		}
	}()
	return factories(b), nil
}

// childService is the child's side of the service.
type childService struct {
	le        *logrus.Entry
	fwd       *forwarder
	track     *tracker
	bus       bus.Bus
	factories map[string]controller.Factory
	info      *Info
}

// configIDs returns the sorted config IDs.
func (s *childService) configIDs() []string {
	ids := make([]string, 0, len(s.info.Factories))
	for _, f := range s.info.Factories {
		ids = append(ids, f.GetConfigId())
	}
	return ids
}

// getInfo returns the Info to a host of the same protocol version.
func (s *childService) getInfo(_ context.Context, req *InfoRequest) (*Info, error) {
	if v := req.GetProtocolVersion(); v != ProtocolVersion {
		return nil, status.Errorf(codes.FailedPrecondition,
			"child %s speaks hot_ipc protocol %d, the host %d: build both with the same hotbus version",
			s.info.GetBinaryId(), ProtocolVersion, v)
	}
	return s.info, nil
}

// exec decodes and validates the config, then runs the controller with
// controllerbus's ExecuteController until it fails or stop ends; then it
// waits (until ctx ends) for the controller to return from Execute.
func (s *childService) exec(ctx, stop context.Context, req *ExecRequest, send func(*controller_exec.ExecControllerResponse) error) error {
	id := req.GetConfigId()
	f, ok := s.factories[id]
	if !ok {
		return &rejectError{&ConfigRejection{
			ConfigId: id,
			Kind:     RejectKind_RejectKind_UNKNOWN_CONFIG_ID,
			Reason:   fmt.Sprintf("no factory for it; this child offers %s", strings.Join(s.configIDs(), ", ")),
		}}
	}
	conf := f.ConstructConfig()
	if err := conf.UnmarshalJSON(req.GetConfigJson()); err != nil {
		return &rejectError{&ConfigRejection{
			ConfigId: id,
			Kind:     RejectKind_RejectKind_DECODE,
			Reason:   err.Error(),
			Field:    badField(f, req.GetConfigJson()),
		}}
	}
	if err := conf.Validate(); err != nil {
		return &rejectError{&ConfigRejection{ConfigId: id, Kind: RejectKind_RejectKind_VALIDATE, Reason: err.Error()}}
	}
	info := &controller.Info{Id: id, Version: f.GetVersion().String()}
	stopped := s.track.watch(conf)
	defer s.track.forget(conf)
	running := false
	err := controller_exec.ExecuteController(stop, s.bus, conf, func(st controller_exec.ControllerStatus) {
		if st == controller_exec.ControllerStatus_ControllerStatus_ERROR {
			return // sent below, with the error text
		}
		if st == controller_exec.ControllerStatus_ControllerStatus_RUNNING {
			running = true
		}
		_ = send(&controller_exec.ExecControllerResponse{Id: id, Status: st, ControllerInfo: info})
	})
	if err == nil || stop.Err() != nil {
		if running {
			select {
			case <-stopped:
				s.le.WithField("config-id", id).Debug("child controller stopped")
			case <-ctx.Done():
			}
		}
		return nil
	}
	return send(&controller_exec.ExecControllerResponse{
		Id:             id,
		Status:         controller_exec.ControllerStatus_ControllerStatus_ERROR,
		ControllerInfo: info,
		ErrorInfo:      err.Error(),
	})
}

// directives serves the host's Directives stream.
func (s *childService) directives(send func(*DirectiveRequest) error, recv func() (*DirectiveEvent, error)) error {
	return s.fwd.serveStream(send, recv)
}

// rejectError is a config the child refused before running it.
type rejectError struct {
	rej *ConfigRejection
}

// Error describes the rejection.
func (e *rejectError) Error() string {
	return fmt.Sprintf("config %s rejected (%s): %s", e.rej.GetConfigId(), e.rej.GetKind(), e.rej.GetReason())
}

// asReject returns the *rejectError in err.
func asReject(err error) (*rejectError, bool) {
	var rej *rejectError
	ok := errors.As(err, &rej)
	return rej, ok
}

// badField finds the top-level JSON field that does not decode into f's
// config type, by decoding each field alone; "" if none alone fails.
func badField(f controller.Factory, data []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			continue
		}
		if f.ConstructConfig().UnmarshalJSON(one) != nil {
			return k
		}
	}
	return ""
}
