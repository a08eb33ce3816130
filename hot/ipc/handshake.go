package hot_ipc

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolVersion is the version of the host/child contract. A host and a
// child with different versions refuse each other in the handshake; bump
// it on any incompatible change of the service or its messages.
const ProtocolVersion = 1

// handshake is the go-plugin handshake shared by host and child. The
// cookie only tells a child that a hotbus host started it; it is not a
// security measure (the checksum of the executable is).
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "HOTBUS_CHILD_COOKIE",
	MagicCookieValue: "hotbus-child-7c1d2f0e",
}

// pluginName is the name of the single go-plugin plugin a child serves.
const pluginName = "hotbus-child"

// grpcPlugin is the go-plugin plugin: the child registers the service on
// the server; the host gets a childClient.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// srv is set in the child only.
	srv childServer
}

// GRPCServer registers the child service.
func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(&childServiceDesc, p.srv)
	return nil
}

// GRPCClient returns a *childClient over conn.
func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &childClient{conn: conn}, nil
}

// _ is a type assertion
var _ plugin.GRPCPlugin = ((*grpcPlugin)(nil))
