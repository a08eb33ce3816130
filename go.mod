module github.com/hotbus/hotbus

go 1.25.0

require (
	github.com/aperturerobotics/controllerbus v0.53.4
	github.com/aperturerobotics/protobuf-go-lite v0.14.0
	github.com/aperturerobotics/util v1.34.7
	github.com/fsnotify/fsnotify v1.9.0
	github.com/ghodss/yaml v1.0.0
	github.com/hashicorp/go-hclog v1.6.3
	github.com/hashicorp/go-plugin v1.8.0
	github.com/sirupsen/logrus v1.9.5-0.20260508084601-d4a50659cfd6
	github.com/urfave/cli/v3 v3.14.0
	golang.org/x/mod v0.36.0
	golang.org/x/sys v0.45.0
	golang.org/x/tools v0.45.0
	google.golang.org/grpc v1.61.0
	google.golang.org/protobuf v1.36.11
	gopkg.in/yaml.v2 v2.4.0
)

require (
	github.com/aperturerobotics/json-iterator-lite v1.1.0 // indirect
	github.com/fatih/color v1.13.0 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/hashicorp/yamux v0.1.2 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.17 // indirect
	github.com/oklog/run v1.1.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	golang.org/x/net v0.54.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/text v0.37.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20231106174013-bbf56f31fb17 // indirect
)
