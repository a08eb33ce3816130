package hot_cli_bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hotbus/hotbus/internal/hostinfo"
)

// goEnv is the environment of the bench's own go commands: offline, in
// module mode with go.sum filled from the module cache, with the host's
// settings (CGO_ENABLED, GOAMD64, ...). gocache, if set, replaces GOCACHE.
func goEnv(bi *debug.BuildInfo, gocache string) []string {
	drop := map[string]bool{"GOFLAGS": true, "GOPROXY": true, "GOSUMDB": true, "GOWORK": true, "GOTOOLCHAIN": true}
	if gocache != "" {
		drop["GOCACHE"] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if gocache != "" {
		env = append(env, "GOCACHE="+gocache)
	}
	return append(env, hostinfo.Env(bi)...)
}

// goBuild runs go build with the host's flags in the module dir mod,
// building pkgDir to out, and returns how long it took.
func goBuild(ctx context.Context, bi *debug.BuildInfo, gocache, mod, pkgDir, out string, plugin bool) (time.Duration, error) {
	args := append([]string{"build"}, hostinfo.Flags(bi)...)
	if plugin {
		args = append(args, "-buildmode=plugin")
	}
	args = append(args, "-o", out, "./"+pkgDir)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = mod, goEnv(bi, gocache)
	start := time.Now()
	outb, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), mod, err, outb)
	}
	return d, nil
}

// runUntilReady starts the host binary and returns once it prints "ready".
func runUntilReady(ctx context.Context, bin string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("start host %s: %w", bin, err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start host %s: %w", bin, err)
	}
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "ready" {
			ready = true
			break
		}
	}
	if !ready {
		_ = cmd.Process.Kill()
	}
	err = cmd.Wait()
	if !ready {
		return fmt.Errorf("host %s exited before its controllers ran: %v\n%s", bin, err, stderr.String())
	}
	return nil
}

// hostPath is where the bench builds a scenario's static host.
func hostPath(work string) string { return filepath.Join(work, "host.bin") }
