// Command hot-demo compiles two controllers into a hotbus plugin, loads the
// plugin into a host bus configured by a config set, and shows them running.
//
// Run it from the root of the hotbus repository:
//
//	go run ./example/hot-demo          # compile, load, run, exit 0
//	go run ./example/hot-demo --watch  # and hot-reload example/hot-demo/demo
//	go run ./example/hot-demo --isolated  # the same in process mode: the
//	                                      # controllers run in a child process
//
// See README.md beside this file for what to expect.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/template"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	hot_cli "github.com/hotbus/hotbus/hot/cli"
	"github.com/sirupsen/logrus"
	"golang.org/x/mod/modfile"

	_ "embed"
)

// busYAML is the host's config set: the loader, the compiler, and the two
// controllers the plugin provides.
//
//go:embed bus.yaml.tmpl
var busYAML string

// The controllers the demo waits for.
const (
	demoControllerID        = "hotbus/example/demo"
	boilerplateControllerID = "controllerbus/example/boilerplate"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hot-demo:", err)
		os.Exit(1)
	}
}

func run() error {
	watch := flag.Bool("watch", false, "keep running and hot-reload example/hot-demo/demo on every save")
	dir := flag.String("plugins-dir", "", "plugins directory (default: a temporary directory, removed on exit)")
	keep := flag.Bool("keep", false, "keep the temporary plugins directory")
	linger := flag.Duration("linger", 3*time.Second, "how long to keep running after the controllers ran")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up if the controllers have not run by then (a cold first plugin build takes a while)")
	verbose := flag.Bool("v", false, "debug logging")
	isolated := flag.Bool("isolated", false, "process mode: build a child executable and run the controllers in a child process (hotbus/loader/process)")
	flag.Parse()

	if err := checkWorkDir(); err != nil {
		return err
	}
	log := logrus.New()
	log.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: "15:04:05.000"})
	if *verbose {
		log.SetLevel(logrus.DebugLevel)
	}
	failed := newErrorHook()
	log.AddHook(failed)
	le := logrus.NewEntry(log)

	if *dir == "" {
		tmp, err := os.MkdirTemp("", "hot-demo-plugins-")
		if err != nil {
			return err
		}
		if *keep {
			le.WithField("plugins-dir", tmp).Info("keeping the plugins directory")
		} else {
			defer os.RemoveAll(tmp)
		}
		*dir = tmp
	}

	// Ctrl-C stops the demo in order; a second Ctrl-C exits at once.
	ctx, stop := hot_cli.NotifyContext(context.Background(), os.Stderr, os.Exit)
	defer stop()

	// The bus outlives ctx, so its controllers get their stop on the way
	// out (see stopHost).
	busCtx, busCancel := context.WithCancel(context.Background())
	defer busCancel()
	b, sr, err := core.NewCoreBus(busCtx, le)
	if err != nil {
		return err
	}
	hot.AddFactories(b, sr)
	before := b.GetControllers()

	var conf bytes.Buffer
	if err := template.Must(template.New("bus.yaml").Parse(busYAML)).Execute(&conf, map[string]any{
		"PluginsDir": *dir,
		"Watch":      *watch,
		"Isolated":   *isolated,
	}); err != nil {
		return err
	}
	release, err := hot.ApplyConfigSetYAML(busCtx, le, b, conf.Bytes())
	if err != nil {
		return err
	}
	defer stopHost(le, b, release, before)

	if *isolated {
		le.Info("process mode: compiling the demo into a child executable and running it in a child process")
	} else {
		le.Info("compiling the demo plugin and loading it (the first plugin build on a machine takes 10 s or more)")
	}
	waitCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := waitForControllers(waitCtx, b, failed, demoControllerID, boilerplateControllerID); err != nil {
		return err
	}

	if *watch {
		le.Infof("the demo controller runs from a %s. Edit Greeting in example/hot-demo/demo/controller.go and save: it reloads. Ctrl-C to stop.", buildKind(*isolated))
		<-ctx.Done()
		return nil
	}
	le.Infof("both controllers ran from the %s; exiting in %s", buildKind(*isolated), *linger)
	select {
	case <-ctx.Done():
	case <-time.After(*linger):
	}
	if err := failed.err(); err != nil {
		return err
	}
	return nil
}

// stopHost releases the config set and waits, at most 10 s, for its
// controllers to stop: the demo controller says goodbye, and the loader
// removes its private copies of the plugin from the temp dir.
func stopHost(le *logrus.Entry, b bus.Bus, release func(), before []controller.Controller) {
	le.Info("stopping: waiting for the controllers to stop")
	release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if left := hot.WaitControllersExited(ctx, b, before); len(left) != 0 {
		le.Warnf("%d controllers did not stop within 10s", len(left))
		return
	}
	le.Info("stopped")
}

// checkWorkDir makes sure the demo runs where its config set's relative
// paths resolve: the root of the hotbus module.
func checkWorkDir() error {
	const module = "github.com/hotbus/hotbus"
	data, err := os.ReadFile("go.mod")
	if err == nil && modfile.ModulePath(data) == module {
		return nil
	}
	return fmt.Errorf("run the demo from the root of the hotbus repository (the directory whose go.mod says module %s)", module)
}

// waitForControllers returns once a controller with each ID has been on the
// bus, or with the first error logged, or when ctx ends.
func waitForControllers(ctx context.Context, b bus.Bus, failed *errorHook, ids ...string) error {
	seen := make(map[string]bool)
	for {
		var ch <-chan struct{}
		b.GetControllersBroadcast().HoldLock(func(_ func(), getWaitCh func() <-chan struct{}) {
			ch = getWaitCh()
		})
		for _, c := range b.GetControllers() {
			seen[c.GetControllerInfo().GetId()] = true
		}
		missing := 0
		for _, id := range ids {
			if !seen[id] {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("the controllers %v did not all run in time (seen: %v); run with -v for details", ids, seen)
			}
			return ctx.Err()
		case <-failed.fired():
			return failed.err()
		case <-ch:
		}
	}
}

// buildKind names what the demo's controllers run from: a plugin, or with
// --isolated a child executable.
func buildKind(isolated bool) string {
	if isolated {
		return "child executable"
	}
	return "plugin"
}
