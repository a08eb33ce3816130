package hot_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller/resolver/static"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/hotbus/hotbus/hot"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// goodLoader is a valid loader entry.
const goodLoader = "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, watch: true}\n"

// newCheckBus returns a bus with the hotbus factories, and its static
// resolver.
func newCheckBus(t *testing.T, le *logrus.Entry) (bus.Bus, *static.Resolver) {
	t.Helper()
	b, sr, err := core.NewCoreBus(t.Context(), le)
	if err != nil {
		t.Fatal(err)
	}
	hot.AddFactories(b, sr)
	return b, sr
}

func TestCheckConfigSetYAML(t *testing.T) {
	le := logrus.NewEntry(logrus.New())
	_, sr := newCheckBus(t, le)
	for _, tc := range []struct {
		name, yaml string
		// want are the substrings of the error, in order; none: valid.
		want []string
	}{
		{"valid", goodLoader + "plugin-thing:\n  id: my/plugin/thing\n  config: {anyField: 1}\n", nil},
		{"empty file", "", []string{"the config set has no entries"}},
		{"only comments", "# nothing yet\n", []string{"the config set has no entries"}},
		{"not YAML", "hot-loader: [unclosed\n", []string{"parse config set"}},
		{"unknown field", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, wacth: true}\n",
			[]string{`hot-loader (hotbus/loader/filesystem): config: unknown field "wacth" (known: dir, watch, debounceDur, allowInsecurePermissions, allowExternalSymlinks): did you mean "watch"?`}},
		{"unknown field, nothing close", "hot-compiler:\n  id: hotbus/compiler\n  config: {packages: [./x], outputDir: ./p, pluginBinaryId: x, zzzzzz: 1}\n",
			[]string{`hot-compiler (hotbus/compiler): config: unknown field "zzzzzz" (known: workDir, packages, `, `hostBinary, keepDebugInfo, target)`}},
		{"proto names are fields too", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, debounce_dur: 5ms}\n", nil},
		{"unknown entry field", "hot-loader:\n  id: hotbus/loader/filesystem\n  conifg: {dir: ./plugins}\n",
			[]string{`hot-loader (hotbus/loader/filesystem): unknown field "conifg" (known: id, config, rev): did you mean "config"?`}},
		{"no id", "hot-loader:\n  config: {dir: ./plugins}\n", []string{"hot-loader: id: missing"}},
		{"id not a string", "hot-loader:\n  id: [hotbus/loader/filesystem]\n", []string{"hot-loader: id: is a list, not a config ID"}},
		{"empty entry", "hot-loader:\n", []string{"hot-loader: the entry is empty"}},
		{"entry not a mapping", "hot-loader: ./plugins\n", []string{"hot-loader: the entry is a string, not a mapping with an id"}},
		{"set not a mapping", "- hot-loader\n", []string{"the config set is a list, not a mapping"}},
		{"config not a mapping", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: ./plugins\n", []string{"hot-loader (hotbus/loader/filesystem): config: is a string, not a mapping"}},
		{"negative debounce", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, debounceDur: -5ms}\n",
			[]string{`hot-loader (hotbus/loader/filesystem): config: invalid: debounceDur "-5ms" is negative`}},
		{"absurd debounce", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, debounceDur: 3h}\n",
			[]string{`debounceDur "3h" is longer than 1m0s`}},
		{"validate", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {watch: true}\n", []string{"hot-loader (hotbus/loader/filesystem): config: invalid: dir must be set"}},
		{"wrong type", "hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: [a, b]}\n", []string{"hot-loader (hotbus/loader/filesystem): config: "}},
		{"duplicate field", "hot-loader:\n  id: hotbus/loader/filesystem\n  config:\n    dir: ./a\n    dir: ./b\n",
			[]string{`hot-loader: config: key "dir" is given twice`}},
		{"duplicate entry", goodLoader + goodLoader, []string{`hot-loader: key "hot-loader" is given twice`}},
		{"every problem at once", "a:\n  id: hotbus/loader/filesystem\n  config: {dri: x}\nb:\n  config: {}\n",
			[]string{"2 problems in the config set:", `a (hotbus/loader/filesystem): config: unknown field "dri"`, "b: id: missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := hot.CheckConfigSetYAML([]byte(tc.yaml), sr.GetFactories())
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("valid config set refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want an error with %q", tc.want)
			}
			msg := err.Error()
			for _, w := range tc.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error lacks %q:\n%s", w, msg)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

func TestApplyWithCheckRefusesBeforeApplying(t *testing.T) {
	le := logrus.NewEntry(logrus.New())
	b, sr := newCheckBus(t, le)
	before := len(b.GetControllers())
	_, err := hot.ApplyConfigSetYAML(t.Context(), le, b, []byte("hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: ./plugins, wacth: true}\n"), hot.WithCheck(sr.GetFactories()...))
	var cse *hot.ConfigSetError
	if !errors.As(err, &cse) || len(cse.Problems) != 1 || cse.Problems[0].Key != "hot-loader" {
		t.Fatalf("ApplyConfigSetYAML with a bad field: %v, want one problem in hot-loader", err)
	}
	if n := len(b.GetControllers()); n != before {
		t.Errorf("%d controllers on the bus after a refused config set, %d before", n, before)
	}

	// Without the option, the unknown field is ignored, as before.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the loader keeps its private copies
	running := b.GetControllers()
	release, err := hot.ApplyConfigSetYAML(t.Context(), le, b, []byte("hot-loader:\n  id: hotbus/loader/filesystem\n  config: {dir: "+t.TempDir()+", wacth: true}\n"))
	if err != nil {
		t.Fatalf("without WithCheck: %v", err)
	}
	// The loader ran: its controller appears on the bus.
	if _, _, ref, err := bus.ExecOneOffTyped[hot_manifest.WatchManifestValue](t.Context(), b, hot_manifest.NewWatchManifest(""), nil, nil); err != nil {
		t.Fatal(err)
	} else {
		ref.Release()
	}
	release()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if left := hot.WaitControllersExited(ctx, b, running); left != nil {
		t.Fatalf("controllers still running after the release: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "hotbus-*")); len(left) != 0 {
		t.Errorf("the loader left its private dir behind although it exited: %q", left)
	}
}

// msgHook sends every log message, with its level, to a channel.
type msgHook chan string

// Levels returns every level.
func (h msgHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire sends the entry.
func (h msgHook) Fire(e *logrus.Entry) error {
	msg, _ := e.String()
	select {
	case h <- e.Level.String() + " " + msg:
	default:
	}
	return nil
}

// waitAll waits until, for each of wants, a message contains all its
// substrings, in whatever order the messages come.
func (h msgHook) waitAll(t *testing.T, wants ...[]string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for len(wants) != 0 {
		select {
		case m := <-h:
			wants = slices.DeleteFunc(wants, func(subs []string) bool {
				for _, s := range subs {
					if !strings.Contains(m, s) {
						return false
					}
				}
				return true
			})
		case <-timeout:
			t.Fatalf("no log messages with %q", wants)
		}
	}
}

func TestApplyWithCheckSaysAnEntryWaitsForAPlugin(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	hook := make(msgHook, 256)
	log.AddHook(hook)
	le := logrus.NewEntry(log)
	b, sr := newCheckBus(t, le)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	release, err := hot.ApplyConfigSetYAML(ctx, le, b, []byte(`
typo:
  id: hotbus/loader/filesytem
  config: {dir: ./plugins}
mine:
  id: my/own/controller
`), hot.WithCheck(sr.GetFactories()...))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	hook.waitAll(t,
		[]string{"level=info", "waits for a plugin to provide its config ID", `did you mean \"hotbus/loader/filesystem\"?`, "controller-key=typo"},
		[]string{"level=info", "waits for a plugin to provide its config ID", "controller-key=mine"})
}
