// Command hot-builder builds hot-reloadable controllerbus plugins.
//
//	go run github.com/hotbus/hotbus/cmd/hot-builder compile --output plugins ./mycontroller
//
// Run "hot-builder help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	"github.com/sirupsen/logrus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := logrus.New()
	log.Out = os.Stderr
	code := hot_cli.Run(ctx, &hot_cli.Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Logger: logrus.NewEntry(log),
	}, os.Args[1:])
	stop()
	os.Exit(code)
}
