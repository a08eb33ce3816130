// Package main is the bench's service host: what a rebuild-and-restart
// tool rebuilds and runs for a realistic service (30 MB). It links what
// such a service links: gRPC (server, health, reflection, admin, ALTS,
// RLS, gzip), x/net (h2c, HTML, websocket, trace), protobuf (descriptors,
// dynamic messages, JSON), go-plugin and hclog, YAML, urfave/cli, x/text
// (charsets, collation, display names, PRECIS) and the standard library's
// images, archives and mail. It serves gRPC on a local port, warms a cache
// for about a second as a real service's cache or database pool would,
// and prints "ready" once the cache is warm and the svc controller runs.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"example.com/hotbench/svc"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/encoding/protojson"
)

// warmFor is how long the cache fills before the host is ready.
const warmFor = time.Second

// cache is a controller that fills a cache of hash chains for warmFor.
type cache struct {
	le      *logrus.Entry
	warm    chan struct{}
	entries map[uint64][32]byte
}

// GetControllerInfo returns the controller info.
func (c *cache) GetControllerInfo() *controller.Info {
	return controller.NewInfo("bench/cache", controller.MustParseVersion("0.0.1"), "warms a cache")
}

// HandleDirective handles no directives.
func (c *cache) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	return nil, nil
}

// Execute fills the cache, says it is warm, and runs until ctx ends.
func (c *cache) Execute(ctx context.Context) error {
	start := time.Now()
	var key [8]byte
	sum := sha256.Sum256(nil)
	for i := uint64(0); time.Since(start) < warmFor; i++ {
		for range 64 {
			binary.LittleEndian.PutUint64(key[:], i)
			sum = sha256.Sum256(append(sum[:], key[:]...))
		}
		c.entries[i] = sum
	}
	c.le.WithField("cache-entries", len(c.entries)).Info("cache warm")
	close(c.warm)
	<-ctx.Done()
	return nil
}

// Close releases nothing.
func (c *cache) Close() error { return nil }

// hook closes ran once the svc controller logs from Execute.
type hook struct {
	once sync.Once
	ran  chan struct{}
}

func (h *hook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *hook) Fire(e *logrus.Entry) error {
	if _, ok := e.Data["bench-gen"]; ok {
		h.once.Do(func() { close(h.ran) })
	}
	return nil
}

func main() {
	ctx := context.Background()
	log := logrus.New()
	log.Out = io.Discard
	h := &hook{ran: make(chan struct{})}
	log.AddHook(h)
	le := logrus.NewEntry(log)
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		panic(err)
	}

	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	httpSrv := &http.Server{
		Handler:   h2c.NewHandler(srv, &http2.Server{}),
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	go func() { _ = httpSrv.Serve(ln) }()
	for _, step := range []func() (string, error){
		func() (string, error) { return setup(ctx, srv, http.NewServeMux()) },
		mediaSetup,
		textSetup,
	} {
		summary, err := step()
		if err != nil {
			panic(err)
		}
		fmt.Println(summary)
	}

	c := &cache{le: le, warm: make(chan struct{}), entries: map[uint64][32]byte{}}
	if _, err := b.AddController(ctx, c, nil); err != nil {
		panic(err)
	}
	sr.AddFactory(svc.NewFactory(b))
	if _, _, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&svc.Config{Name: "bench"}), nil); err != nil {
		panic(err)
	}
	<-c.warm
	<-h.ran
	status, err := protojson.Marshal(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})
	if err != nil {
		panic(err)
	}
	fmt.Printf("status %s at %s\n", status, ln.Addr())
	fmt.Println("ready")
	os.Exit(0)
}
