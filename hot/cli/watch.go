package hot_cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aperturerobotics/controllerbus/core"
	"github.com/fsnotify/fsnotify"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/urfave/cli/v3"
)

// watchDoc is the help text of the watch command.
const watchDoc = `Builds the packages into a plugin and publishes it, then rebuilds and
publishes again on every save, until interrupted: the compiler controller
(hotbus/compiler with watch on) without a host. A host in another process
that loads from the same plugins directory (hotbus/loader/filesystem with
watch on) reloads each new build. Prints the path of each published plugin.

The plugins must fit that host: pass its executable with --host-binary
(default: hot-builder itself, as run by "hot-builder daemon"). A compile
error is logged with the compiler's output and publishes nothing.`

// watchCommand returns the watch command.
func watchCommand(env *Env) *cli.Command {
	flags := append(compilerFlags(env, true, false),
		&cli.StringFlag{Name: "debounce", Usage: "how long the sources must be quiet before a rebuild, as a Go duration (default: 20ms)", Sources: fromEnv(env, "HOTBUS_DEBOUNCE")})
	return newCommand("watch", "rebuild and publish the plugin on every save, for a host in another process", "packages...", watchDoc,
		flags,
		func(ctx context.Context, cmd *cli.Command) error { return runWatch(ctx, env, cmd) })
}

// runWatch runs a compiler controller with watch on until ctx ends, and
// prints every plugin it publishes.
func runWatch(ctx context.Context, env *Env, cmd *cli.Command) error {
	opts, err := compilerOptions(env, cmd)
	if err != nil {
		return err
	}
	conf := &hot_compiler.Config{
		WorkDir:             opts.WorkDir,
		Packages:            opts.Packages,
		OutputDir:           opts.OutputDir,
		OutputName:          opts.OutputName,
		Watch:               true,
		PluginBinaryId:      opts.BinaryID,
		PluginBinaryVersion: opts.BinaryVersion,
		CodegenDir:          opts.CodegenDir,
		BuildPrefix:         opts.BuildPrefix,
		KeepCodegen:         opts.KeepCodegen,
		DebounceDur:         cmd.String("debounce"),
		HostBinary:          opts.HostBinary,
		Target:              opts.Target,
	}
	if err := conf.Validate(); err != nil {
		return usageError{"hot-builder watch", err.Error()}
	}
	outDir, err := filepath.Abs(opts.OutputDir)
	if err != nil {
		return fmt.Errorf("plugins dir %s: %w", opts.OutputDir, err)
	}
	// Watched before the first build, so no publish is missed.
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create the plugins dir: %w", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch the plugins dir %s: %w", outDir, err)
	}
	defer w.Close()
	if err := w.Add(outDir); err != nil {
		return fmt.Errorf("watch the plugins dir %s: %w", outDir, err)
	}

	b, _, err := core.NewCoreBus(ctx, env.Logger)
	if err != nil {
		return fmt.Errorf("start bus: %w", err)
	}
	le := env.Logger.WithField("plugins-dir", outDir)
	ctrl, err := hot_compiler.NewController(env.Logger.WithField("config", hot_compiler.ConfigID), b, conf)
	if err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- b.ExecuteController(ctx, ctrl) }()
	suffix := hot_plugin.PluginSuffix
	if conf.GetTarget() == hot_compiler.TargetProcess {
		suffix = hot_manifest.ProcessSuffix
	}
	le.Info("watching the sources; each build is published into the plugins dir (Ctrl-C to stop)")
	for {
		select {
		case err := <-exited:
			b.RemoveController(ctrl)
			if ctx.Err() != nil {
				return nil
			}
			if err == nil {
				return fmt.Errorf("the compiler stopped watching without an error")
			}
			return err
		case ev := <-w.Events:
			name := filepath.Base(ev.Name)
			if !ev.Has(fsnotify.Create) || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, suffix) {
				continue
			}
			le.WithField("plugin-path", ev.Name).Info("plugin published: hosts loading from the plugins dir load it now")
			fmt.Fprintln(env.Stdout, ev.Name)
		case err := <-w.Errors:
			le.WithError(err).Warn("watching the plugins dir for published builds failed; builds go on, but may not be printed")
		}
	}
}
