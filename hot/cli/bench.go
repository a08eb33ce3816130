package hot_cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	bench "github.com/hotbus/hotbus/hot/cli/bench"
	"github.com/urfave/cli/v3"
	"golang.org/x/mod/modfile"
)

// benchDoc is the help text of the bench command.
const benchDoc = `Measures hotbus's edit-to-running loop on this machine, for each scenario in
a temp module: (a) the go build -buildmode=plugin floor after a one-line
edit, (b) hotbus's reload from the write to the new controller's Execute in
a live host in this process, (c) a rebuild and restart of a static host,
(d) cold first builds with an empty GOCACHE, (e) RSS and goroutines after 1,
10 and 50 reloads, and the no-op save; and the same edit in process mode
(target: process with hotbus/loader/process): its reload against its own
floor (a go build of the child), the host's RSS and goroutines over the
reloads, and the children left. Prints progress, then a table; writes JSON.

Scenarios: demo (the hot-demo's demo package), service (a controller using
gRPC, x/net and protobuf, in a 30 MB host that warms a cache for 1 s at
startup), synN (N generated controller packages, one of them edited: syn1,
syn20, syn100) and wideN (one generated package of N files: wide50).

Run it from the hotbus repository (go run ./cmd/hot-builder bench); it uses
only the module cache. See BENCHMARKS.md.`

// benchCommand returns the bench command.
func benchCommand(env *Env) *cli.Command {
	return newCommand("bench", "measure reload latency against go build and a restart, memory and goroutines per reload", "", benchDoc,
		[]cli.Flag{
			&cli.IntFlag{Name: "runs", Value: 5, Usage: "timed runs of (a), (c) and the no-op per scenario"},
			&cli.IntFlag{Name: "reloads", Value: 50, Usage: "reloads of the live host per scenario for (b) and (e); (b) uses them all"},
			&cli.IntFlag{Name: "cold-runs", Value: 1, Usage: "cold builds (d) per scenario and side, 10 s or more each; 0 skips (d)"},
			&cli.StringFlag{Name: "scenarios", Value: "demo,syn20,service", Usage: "comma-separated scenarios: demo, service, synN (N packages, e.g. syn1, syn100), wideN (one package of N files, e.g. wide50)"},
			&cli.IntFlag{Name: "syn-packages", Value: 20, Usage: "packages of the scenario named syn (synN names its own)"},
			&cli.StringFlag{Name: "json", Value: filepath.Join(os.TempDir(), "hotbus-bench.json"), Usage: "where the JSON report is written; empty: not written"},
			&cli.StringFlag{Name: "repo", Usage: "the hotbus repository the fixtures are read from (default: the main module of the current directory)"},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temp dirs (logs of the live host are in <work>/<scenario>/live/host.log)"},
			&cli.StringFlag{Name: "tmp", Usage: "where temp dirs are made (default: the system temp dir)"},
		},
		func(ctx context.Context, cmd *cli.Command) error { return runBench(ctx, env, cmd) })
}

// runBench runs the benchmarks.
func runBench(ctx context.Context, env *Env, cmd *cli.Command) error {
	runs, reloads, coldRuns, synPkgs := cmd.Int("runs"), cmd.Int("reloads"), cmd.Int("cold-runs"), cmd.Int("syn-packages")
	scenarios, jsonOut, repo, keep, tmp := cmd.String("scenarios"), cmd.String("json"), cmd.String("repo"), cmd.Bool("keep"), cmd.String("tmp")
	if runs < 1 {
		return usageError{"hot-builder bench", "--runs must be at least 1"}
	}
	if repo == "" {
		r, err := hotbusRepo(ctx)
		if err != nil {
			return err
		}
		repo = r
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find hot-builder itself for the cold build: %w", err)
	}
	var names []string
	for _, s := range strings.Split(scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			names = append(names, s)
		}
	}
	rep, err := bench.Run(ctx, bench.Options{
		Repo: repo, Runs: runs, Reloads: reloads, ColdRuns: coldRuns,
		Scenarios: names, SynPackages: synPkgs, Self: []string{self},
		TempDir: tmp, Keep: keep, Progress: env.Stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout)
	if err := rep.WriteTable(env.Stdout); err != nil {
		return err
	}
	if jsonOut != "" {
		if err := rep.WriteJSON(jsonOut); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "\nJSON: %s\n", jsonOut)
	}
	return nil
}

// hotbusRepo returns the directory of the current main module if it is
// the hotbus module.
func hotbusRepo(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("bench: find the hotbus repository: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", usageError{"hot-builder bench", "not in a Go module: run the bench from the hotbus repository, or pass --repo"}
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("bench: find the hotbus repository: %w", err)
	}
	if p := modfile.ModulePath(data); p != "github.com/hotbus/hotbus" {
		return "", usageError{"hot-builder bench", fmt.Sprintf("the module here is %s, not github.com/hotbus/hotbus: run the bench from the hotbus repository, or pass --repo", p)}
	}
	return filepath.Dir(gomod), nil
}
