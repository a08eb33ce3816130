package hot_cli

import (
	"context"
	"fmt"
	"os"

	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
)

// daemonDoc is the help text of the daemon command.
const daemonDoc = `Runs a controllerbus host with the hotbus factories (the filesystem loader
and the compiler) registered, and applies the config set YAML given by
--config, until interrupted. Relative paths in the YAML (dir, workDir,
outputDir) resolve against the current directory.

Run it from your own module, which requires github.com/hotbus/hotbus:

  go run github.com/hotbus/hotbus/cmd/hot-builder daemon --config bus.yaml

The whole config set is checked before anything starts: unknown fields,
duplicate keys, an empty file, entries without an id, and each hotbus
config's own checks. A mistake exits 1, naming the entry and the field.

Entries for controllers that a plugin provides start once the loader has
loaded the plugin, and restart on the new code at every reload.`

// runDaemon runs a host that applies a config set until ctx ends.
func runDaemon(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "daemon", "", daemonDoc)
	configPath := fs.String("config", env.Getenv("HOTBUS_CONFIG"), envFlag("config set YAML to apply", "HOTBUS_CONFIG"))
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *configPath == "" {
		return usageError{"--config is required: the config set YAML to apply (e.g. bus.yaml)"}
	}
	data, err := os.ReadFile(*configPath)
	if err != nil {
		return fmt.Errorf("read config set: %w", err)
	}

	le := env.Logger.WithField("config", *configPath)
	b, sr, err := core.NewCoreBus(ctx, env.Logger)
	if err != nil {
		return fmt.Errorf("start bus: %w", err)
	}
	hot.AddFactories(b, sr)
	// Checked in full before anything starts: a mistake exits at once,
	// naming the entry and the field.
	release, err := hot.ApplyConfigSetYAML(ctx, env.Logger, b, data, hot.WithCheck(sr.GetFactories()...))
	if err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	defer release()
	le.Info("daemon running; Ctrl-C to stop")
	<-ctx.Done()
	le.Info("daemon stopping")
	return nil
}
