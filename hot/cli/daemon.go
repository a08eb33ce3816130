package hot_cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	"github.com/urfave/cli/v3"
)

// stopTimeout bounds how long the daemon waits for its controllers to stop.
const stopTimeout = 10 * time.Second

// daemonDoc is the help text of the daemon command.
const daemonDoc = `Runs a controllerbus host with the hotbus factories (the filesystem loader
and the compiler) registered, and applies the config set YAML given by
--config, until interrupted. Relative paths in the YAML (the loader's dir,
the compiler's workDir, outputDir, codegenDir and hostBinary) resolve
against the directory of the YAML file, wherever the daemon is started
from; an empty workDir is that directory.

Run it from your own module, which requires github.com/hotbus/hotbus:

  go run github.com/hotbus/hotbus/cmd/hot-builder daemon --config bus.yaml

The whole config set is checked before anything starts: unknown fields,
duplicate keys, an empty file, entries without an id, and each hotbus
config's own checks. A mistake exits 1, naming the entry and the field.

Entries for controllers that a plugin provides start once the loader has
loaded the plugin, and restart on the new code at every reload.

On an interrupt (Ctrl-C) or SIGTERM the daemon releases the config set and
waits, at most 10 s, for every controller to stop (the loader then removes
its private copies of the plugins); a second interrupt exits at once.`

// daemonCommand returns the daemon command.
func daemonCommand(env *Env) *cli.Command {
	return newCommand("daemon", "run a host that applies a config set YAML with the hotbus factories registered", "", daemonDoc,
		[]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "config set YAML to apply", Sources: fromEnv(env, "HOTBUS_CONFIG")},
		},
		func(ctx context.Context, cmd *cli.Command) error { return runDaemon(ctx, env, cmd.String("config")) })
}

// runDaemon runs a host that applies the config set at configPath until
// ctx ends, then stops its controllers in order.
func runDaemon(ctx context.Context, env *Env, configPath string) error {
	if configPath == "" {
		return usageError{"hot-builder daemon", "--config is required: the config set YAML to apply (e.g. bus.yaml)"}
	}
	data, err := os.ReadFile(configPath)
	if err != nil {
		return fmt.Errorf("read config set: %w", err)
	}

	le := env.Logger.WithField("config", configPath)
	// The bus outlives ctx: on an interrupt its controllers get their
	// stop, and the daemon waits for them before the bus goes.
	busCtx, busCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer busCancel()
	b, sr, err := core.NewCoreBus(busCtx, env.Logger)
	if err != nil {
		return fmt.Errorf("start bus: %w", err)
	}
	hot.AddFactories(b, sr)
	base := b.GetControllers()
	// Checked in full before anything starts: a mistake exits at once,
	// naming the entry and the field.
	release, err := hot.ApplyConfigSetYAML(busCtx, env.Logger, b, data, hot.WithCheck(sr.GetFactories()...), hot.WithBaseDir(filepath.Dir(configPath)))
	if err != nil {
		return fmt.Errorf("%s: %w", configPath, err)
	}
	le.Info("daemon running; Ctrl-C to stop")
	<-ctx.Done()
	le.WithField("stop-timeout", stopTimeout.String()).Info("daemon stopping: waiting for the controllers to stop (interrupt again to exit at once)")
	release()
	start := time.Now()
	stopCtx, stopCancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer stopCancel()
	if stuck := hot.WaitControllersExited(stopCtx, b, base); len(stuck) != 0 {
		ids := make([]string, 0, len(stuck))
		for _, c := range stuck {
			ids = append(ids, controllerID(c))
		}
		slices.Sort(ids)
		return fmt.Errorf("%d controllers did not stop within %v: %s; their temporary files may be left behind", len(stuck), stopTimeout, strings.Join(ids, ", "))
	}
	le.WithField("stop-dur", time.Since(start).Round(time.Millisecond).String()).Info("daemon stopped")
	return nil
}

// controllerID names a controller by its controller ID.
func controllerID(c controller.Controller) string {
	if info := c.GetControllerInfo(); info != nil && info.GetId() != "" {
		return info.GetId()
	}
	return fmt.Sprintf("%T", c)
}
