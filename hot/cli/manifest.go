package hot_cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/urfave/cli/v3"
)

// manifestDoc is the help text of the manifest command.
const manifestDoc = `Prints what the loader of a plugins directory has loaded, from the
manifest it writes there (` + hot_manifest.FileName + `): each plugin file with
its binary ID and version, state, mode (in-process or process), config IDs,
and last error; for process builds also the child's PID, its restarts, and
how it last ended.`

// manifestCommand returns the manifest command.
func manifestCommand(env *Env) *cli.Command {
	return newCommand("manifest", "print what the loader of a plugins directory has loaded", "", manifestDoc,
		[]cli.Flag{
			&cli.StringFlag{Name: "dir", Value: "plugins", Usage: "plugins directory", Sources: fromEnv(env, "HOTBUS_PLUGINS_DIR")},
			&cli.BoolFlag{Name: "json", Usage: "print the manifest as JSON", Sources: fromEnv(env, "HOTBUS_JSON")},
		},
		func(_ context.Context, cmd *cli.Command) error {
			return runManifest(env, cmd.String("dir"), cmd.Bool("json"))
		})
}

// runManifest prints the manifest of the plugins directory dir.
func runManifest(env *Env, dir string, asJSON bool) error {
	path := filepath.Join(dir, hot_manifest.FileName)
	m, err := hot_manifest.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist: is a loader (hotbus/loader/filesystem or hotbus/loader/process) running with dir %s?", path, dir)
		}
		return err
	}
	if asJSON {
		data, err := hot_manifest.Marshal(m)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(data)
		return err
	}
	return printManifest(env, m)
}

// printManifest prints m as a table.
func printManifest(env *Env, m *hot_manifest.Manifest) error {
	fmt.Fprintf(env.Stdout, "%s (updated %s)\n", m.Dir, m.UpdatedAt.Format(time.RFC3339))
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSTATE\tMODE\tBINARY ID\tVERSION\tPID\tRESTARTS\tCONFIG IDS\tLAST EXIT\tERROR")
	for _, p := range m.Plugins {
		errText := strings.ReplaceAll(p.Error, "\n", " ")
		lastExit := p.LastExit
		if i := strings.IndexByte(lastExit, '\n'); i >= 0 {
			// The first line says how it ended; the rest is its stderr.
			lastExit = lastExit[:i]
		}
		pid, restarts := "-", "-"
		if p.PID != 0 {
			pid = strconv.Itoa(p.PID)
		}
		if p.Mode == hot_manifest.ModeProcess {
			restarts = strconv.Itoa(p.Restarts)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			filepath.Base(p.Path), p.State, dash(string(p.Mode)), dash(p.BinaryID), dash(p.BinaryVersion),
			pid, restarts, dash(strings.Join(p.ConfigIDs, ",")), dash(lastExit), dash(errText))
	}
	return tw.Flush()
}

// dash returns s, or "-" if it is empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
