// Command hot-builder builds hot-reloadable controllerbus plugins.
//
//	go run github.com/hotbus/hotbus/cmd/hot-builder compile --output plugins ./mycontroller
//
// Run "hot-builder help" for the commands. An interrupt (or SIGTERM) stops
// a running command in order: the daemon stops its controllers and waits
// for them, at most 10 s; a second interrupt exits at once.
package main

import (
	"context"
	"os"

	hot_cli "github.com/hotbus/hotbus/hot/cli"
	"github.com/sirupsen/logrus"
)

func main() {
	ctx, stop := hot_cli.NotifyContext(context.Background(), os.Stderr, os.Exit)
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
