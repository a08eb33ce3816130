package hot_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// startHost starts a host bus that runs the loader and the compiler, both
// watching, over the module mod (a copy of testdata/reload), publishing
// into plugins, with the counter controller configured with name and
// count. Its debug log goes to out and hook. When the test ends the host
// is stopped and its loaders waited for; cancel stops it earlier.
func startHost(t *testing.T, mod, plugins, name string, count int, out io.Writer, hook logrus.Hook) (b bus.Bus, cancel context.CancelFunc) {
	t.Helper()
	le := testutil.Logger(out, hook)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	// Before the plugins dir is removed, the loader must have stopped
	// writing its manifest there.
	t.Cleanup(func() { testutil.StopHost(t, b, cancel, step) })
	hot.AddFactories(b, sr)
	release, err := hot.ApplyConfigSetYAML(ctx, le, b, fmt.Appendf(nil, `
loader:
  id: hotbus/loader/filesystem
  config: {dir: %q, watch: true}
compiler:
  id: hotbus/compiler
  config:
    workDir: %q
    packages: [./counter]
    outputDir: %q
    watch: true
    pluginBinaryId: reload
    pluginBinaryVersion: "{buildHash}"
counter:
  id: example/reload/counter
  config: {name: %s, count: %d}
`, plugins, mod, plugins, name, count))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return b, cancel
}
