// Command child is hot_ipc's test child executable: the fixture controller
// served with hot_ipc.Serve. HOTBUS_IPC_FIXTURE_MODE makes it misbehave:
// "exit-in-init" exits with status 3 in an init, "hang" never answers the
// handshake.
package main

import (
	"os"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
)

func init() {
	if os.Getenv("HOTBUS_IPC_FIXTURE_MODE") == "exit-in-init" {
		os.Stderr.WriteString("fixture: exiting in init\n")
		os.Exit(3)
	}
}

func main() {
	if os.Getenv("HOTBUS_IPC_FIXTURE_MODE") == "hang" {
		os.Stderr.WriteString("fixture: hanging before the handshake\n")
		time.Sleep(time.Hour)
	}
	hot_ipc.Serve("ipc-fixture", "v1", func(b bus.Bus) []controller.Factory {
		return []controller.Factory{fixture.Factory{Bus: b}}
	})
}
