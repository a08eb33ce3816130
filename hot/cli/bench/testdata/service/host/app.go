package main

import (
	"bytes"
	"context"
	"database/sql"
	"expvar"
	"html/template"
	"net/http"
	"net/http/pprof"
	"os"

	ghyaml "github.com/ghodss/yaml"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/urfave/cli/v3"
	"golang.org/x/net/trace"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"google.golang.org/grpc"
	"google.golang.org/grpc/admin"
	_ "google.golang.org/grpc/balancer/rls"
	"google.golang.org/grpc/credentials/alts"
	_ "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"gopkg.in/yaml.v2"
)

// appConfig is the service's configuration.
type appConfig struct {
	Listen string            `json:"listen" yaml:"listen"`
	Cache  int               `json:"cache" yaml:"cache"`
	Labels map[string]string `json:"labels" yaml:"labels"`
}

// statusPage is the service's status page.
var statusPage = template.Must(template.New("status").Parse(
	`<h1>{{.Name}}</h1><p>{{.Config.Listen}} {{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}</p>`))

// apiFile is the service's API schema, as a descriptor.
var apiFile = &descriptorpb.FileDescriptorProto{
	Name: proto.String("api.proto"), Package: proto.String("bench.api"), Syntax: proto.String("proto3"),
	MessageType: []*descriptorpb.DescriptorProto{{
		Name: proto.String("Item"),
		Field: []*descriptorpb.FieldDescriptorProto{
			{Name: proto.String("id"), JsonName: proto.String("id"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
			{Name: proto.String("size"), JsonName: proto.String("size"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
		},
	}},
}

// setup reads the service's configuration and API schema, registers its
// admin services and debug handlers, and returns a summary.
func setup(ctx context.Context, srv *grpc.Server, mux *http.ServeMux) (string, error) {
	var conf appConfig
	if err := yaml.Unmarshal([]byte("listen: 127.0.0.1:0\ncache: 1000\nlabels: {env: bench}\n"), &conf); err != nil {
		return "", err
	}
	if err := ghyaml.Unmarshal([]byte("listen: 127.0.0.1:0\ncache: 1000\n"), &conf); err != nil {
		return "", err
	}
	fd, err := protodesc.NewFile(apiFile, nil)
	if err != nil {
		return "", err
	}
	item := dynamicpb.NewMessage(fd.Messages().ByName("Item"))
	item.Set(fd.Messages().ByName("Item").Fields().ByName("id"), protoreflect.ValueOfString("a"))
	js, err := protojson.Marshal(item)
	if err != nil {
		return "", err
	}
	if _, err := admin.Register(srv); err != nil {
		return "", err
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/requests", trace.Traces)
	var page bytes.Buffer
	if err := statusPage.Execute(&page, map[string]any{"Name": "bench", "Config": conf}); err != nil {
		return "", err
	}
	hl := hclog.New(&hclog.LoggerOptions{Name: "bench-host", Output: os.Stderr, Level: hclog.Warn})
	hl.Debug("configured", "listen", conf.Listen)
	creds := alts.NewServerCreds(alts.DefaultServerOptions())
	plugins := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  goplugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "BENCH", MagicCookieValue: "bench"},
		Plugins:          map[string]goplugin.Plugin{},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hl,
	})
	defer plugins.Kill()
	hl.Debug("security", "protocol", creds.Info().SecurityProtocol)
	cmd := &cli.Command{Name: "bench-host", Flags: []cli.Flag{&cli.StringFlag{Name: "listen", Value: conf.Listen}},
		Action: func(ctx context.Context, c *cli.Command) error { return nil }}
	if err := cmd.Run(ctx, []string{"bench-host"}); err != nil {
		return "", err
	}
	p := message.NewPrinter(language.English)
	return p.Sprintf("%d cache entries, %s, %d bytes of status page, %d SQL drivers", conf.Cache, js, page.Len(), len(sql.Drivers())), nil
}
