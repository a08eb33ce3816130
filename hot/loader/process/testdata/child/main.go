// Command child is the process loader's test child executable: hot_ipc's
// fixture controller served with hot_ipc.Serve as binary
// "process-fixture". Build it with -ldflags "-X main.version=v2" for
// another build, "-X main.binaryID=other" for another program, and "-X main.mode=..." to make it misbehave:
// "exit-in-init" exits with status 3 in an init, "hang" never answers the
// handshake, "strict" rejects a config with a count.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
)

// binaryID and version name the build; mode makes the child misbehave.
var binaryID, version, mode = "process-fixture", "v1", ""

func init() {
	if mode == "exit-in-init" {
		os.Stderr.WriteString("fixture: exiting in init\n")
		os.Exit(3)
	}
}

func main() {
	if mode == "hang" {
		os.Stderr.WriteString("fixture: hanging before the handshake\n")
		time.Sleep(time.Hour)
	}
	hot_ipc.Serve(binaryID, version, func(b bus.Bus) []controller.Factory {
		if mode == "strict" {
			return []controller.Factory{strictFactory{fixture.Factory{Bus: b}}}
		}
		return []controller.Factory{fixture.Factory{Bus: b}}
	})
}

// strictFactory is the fixture factory whose configs reject a count.
type strictFactory struct {
	fixture.Factory
}

// ConstructConfig returns an empty strict config.
func (strictFactory) ConstructConfig() config.Config { return &strictConfig{} }

// Construct runs the fixture controller with the fixture config.
func (f strictFactory) Construct(ctx context.Context, conf config.Config, opts controller.ConstructOpts) (controller.Controller, error) {
	return f.Factory.Construct(ctx, &conf.(*strictConfig).Config, opts)
}

// strictConfig is the fixture config with a stricter Validate.
type strictConfig struct {
	fixture.Config
}

// Validate refuses a count.
func (c *strictConfig) Validate() error {
	if c.GetCount() != 0 {
		return errors.New("count: must be 0 in this build")
	}
	return c.Config.Validate()
}
