package hot_ipc

import (
	"fmt"

	"google.golang.org/grpc/encoding"
)

// vtMessage is a protobuf-go-lite message.
type vtMessage interface {
	MarshalVT() ([]byte, error)
	UnmarshalVT([]byte) error
}

// vtCodec is a gRPC codec that encodes protobuf-go-lite messages with
// MarshalVT/UnmarshalVT. Other messages (go-plugin's own services: health,
// stdio, broker, controller) go to gRPC's registered "proto" codec. It is
// passed to the server with grpc.ForceServerCodec and to each call with
// grpc.ForceCodec: nothing is registered globally.
type vtCodec struct{}

// Marshal encodes v.
func (vtCodec) Marshal(v any) ([]byte, error) {
	if m, ok := v.(vtMessage); ok {
		return m.MarshalVT()
	}
	if c := encoding.GetCodec("proto"); c != nil {
		return c.Marshal(v)
	}
	return nil, fmt.Errorf("hot_ipc codec: cannot encode %T: not a protobuf message", v)
}

// Unmarshal decodes data into v.
func (vtCodec) Unmarshal(data []byte, v any) error {
	if m, ok := v.(vtMessage); ok {
		return m.UnmarshalVT(data)
	}
	if c := encoding.GetCodec("proto"); c != nil {
		return c.Unmarshal(data, v)
	}
	return fmt.Errorf("hot_ipc codec: cannot decode %T: not a protobuf message", v)
}

// Name is "proto": the wire format is protobuf.
func (vtCodec) Name() string { return "proto" }

// _ is a type assertion
var _ encoding.Codec = vtCodec{}
