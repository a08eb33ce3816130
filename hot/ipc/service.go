package hot_ipc

import (
	"context"
	"io"

	controller_exec "github.com/aperturerobotics/controllerbus/controller/exec"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// serviceName is the gRPC service a child serves.
const serviceName = "hot_ipc.Child"

// rejectionTrailer is the gRPC trailer key carrying a ConfigRejection.
const rejectionTrailer = "hotbus-config-rejection-bin"

// childServer is what a child implements; see childService.
type childServer interface {
	// getInfo returns the child's Info.
	getInfo(ctx context.Context, req *InfoRequest) (*Info, error)
	// exec runs a controller and sends each status change until it stops
	// or stop ends (the host half-closed the call); then it waits for the
	// controller's Execute to return, until ctx (the call) ends. A
	// rejected config is returned as *rejectError.
	exec(ctx, stop context.Context, req *ExecRequest, send func(*controller_exec.ExecControllerResponse) error) error
	// directives serves the host's Directives stream until it ends.
	directives(send func(*DirectiveRequest) error, recv func() (*DirectiveEvent, error)) error
}

// childServiceDesc is the gRPC service of a child, written by hand since
// protoc-gen-go-grpc targets google.golang.org/protobuf.
var childServiceDesc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*childServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "GetInfo",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			req := &InfoRequest{}
			if err := dec(req); err != nil {
				return nil, err
			}
			return srv.(childServer).getInfo(ctx, req)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Exec",
		ServerStreams: true,
		ClientStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			req := &ExecRequest{}
			if err := stream.RecvMsg(req); err != nil {
				return err
			}
			// The host half-closes the call to stop the controller.
			stop, stopNow := context.WithCancel(stream.Context())
			defer stopNow()
			go func() {
				_ = stream.RecvMsg(&ExecRequest{})
				stopNow()
			}()
			err := srv.(childServer).exec(stream.Context(), stop, req, func(resp *controller_exec.ExecControllerResponse) error {
				return stream.SendMsg(resp)
			})
			if rej, ok := asReject(err); ok {
				data, merr := rej.rej.MarshalVT()
				if merr == nil {
					stream.SetTrailer(metadata.Pairs(rejectionTrailer, string(data)))
				}
				return status.Error(codes.InvalidArgument, rej.Error())
			}
			return err
		},
	}, {
		StreamName:    "Directives",
		ServerStreams: true,
		ClientStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			return srv.(childServer).directives(
				func(req *DirectiveRequest) error { return stream.SendMsg(req) },
				func() (*DirectiveEvent, error) {
					ev := &DirectiveEvent{}
					if err := stream.RecvMsg(ev); err != nil {
						return nil, err
					}
					return ev, nil
				},
			)
		},
	}},
	Metadata: "github.com/hotbus/hotbus/hot/ipc/ipc.proto",
}

// childClient calls a child's service over a go-plugin gRPC connection.
type childClient struct {
	conn *grpc.ClientConn
}

// getInfo calls GetInfo.
func (c *childClient) getInfo(ctx context.Context) (*Info, error) {
	out := &Info{}
	err := c.conn.Invoke(ctx, "/"+serviceName+"/GetInfo", &InfoRequest{ProtocolVersion: ProtocolVersion}, out, grpc.ForceCodec(vtCodec{}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// execStream is an open Exec call.
type execStream struct {
	stream grpc.ClientStream
}

// recv returns the next status, io.EOF when the child ended the call.
func (s *execStream) recv() (*controller_exec.ExecControllerResponse, error) {
	resp := &controller_exec.ExecControllerResponse{}
	if err := s.stream.RecvMsg(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// rejection returns the ConfigRejection the child sent, if any. Valid once
// recv returned an error.
func (s *execStream) rejection() *ConfigRejection {
	vals := s.stream.Trailer().Get(rejectionTrailer)
	if len(vals) == 0 {
		return nil
	}
	rej := &ConfigRejection{}
	if err := rej.UnmarshalVT([]byte(vals[0])); err != nil {
		return nil
	}
	return rej
}

// stop half-closes the call: the child stops the controller, waits for
// it, and ends the call. Safe to call while recv runs.
func (s *execStream) stop() error {
	return s.stream.CloseSend()
}

// exec opens an Exec call; ctx cancels it at once.
func (c *childClient) exec(ctx context.Context, req *ExecRequest) (*execStream, error) {
	desc := &childServiceDesc.Streams[0]
	stream, err := c.conn.NewStream(ctx, desc, "/"+serviceName+"/Exec", grpc.ForceCodec(vtCodec{}))
	if err != nil {
		return nil, err
	}
	if err := stream.SendMsg(req); err != nil && err != io.EOF {
		return nil, err
	}
	return &execStream{stream: stream}, nil
}

// directivesStream is the host's end of the Directives stream.
type directivesStream struct {
	stream grpc.ClientStream
}

// recv returns the child's next request.
func (s *directivesStream) recv() (*DirectiveRequest, error) {
	req := &DirectiveRequest{}
	if err := s.stream.RecvMsg(req); err != nil {
		return nil, err
	}
	return req, nil
}

// send sends an event; not safe for concurrent use.
func (s *directivesStream) send(ev *DirectiveEvent) error {
	return s.stream.SendMsg(ev)
}

// directives opens the Directives stream; it ends with ctx.
func (c *childClient) directives(ctx context.Context) (*directivesStream, error) {
	desc := &childServiceDesc.Streams[1]
	stream, err := c.conn.NewStream(ctx, desc, "/"+serviceName+"/Directives", grpc.ForceCodec(vtCodec{}))
	if err != nil {
		return nil, err
	}
	return &directivesStream{stream: stream}, nil
}
