package hot_compiler

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/tools/go/packages"
)

func TestRewriteOutputMapsOverlayToOriginal(t *testing.T) {
	tree := &Tree{
		Prefix:  "hotbus-0123456789ab",
		MainDir: "/cg/hotbus-0123456789ab/plugin",
		Overlays: map[string]*Overlay{
			"example.com/app": {Path: "hotbus-0123456789ab/example.com/app", Orig: "example.com/app", Dir: "/cg/hotbus-0123456789ab/modules/example.com/app"},
		},
	}
	pkgs := []*analysis.HotPackage{{ImportPath: "example.com/app/ctrl", Dir: "/src/app/ctrl", Module: &packages.Module{Path: "example.com/app"}}}
	out := "# hotbus-0123456789ab/example.com/app/ctrl\n" +
		"../modules/example.com/app/ctrl/ctrl.go:3:5: undefined: x\n" +
		"/cg/hotbus-0123456789ab/modules/example.com/app/ctrl/a.go:4:1: syntax error\n" +
		"hotbus-0123456789ab/example.com/app/ctrl/b.go:5:2: trimmed path\n"
	got := tree.rewriteOutput(out, pkgs)
	want := "# example.com/app/ctrl\n" +
		"/src/app/ctrl/ctrl.go:3:5: undefined: x\n" +
		"/src/app/ctrl/a.go:4:1: syntax error\n" +
		"/src/app/ctrl/b.go:5:2: trimmed path\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCheckPinNewerModuleFails(t *testing.T) {
	host := &debug.Module{Path: "github.com/sirupsen/logrus", Version: "v1.9.3"}
	for _, tc := range []struct {
		src  *packages.Module
		fail bool
	}{
		{&packages.Module{Path: host.Path, Version: "v1.9.3"}, false},
		{&packages.Module{Path: host.Path, Version: "v1.9.0"}, false},
		{&packages.Module{Path: host.Path, Version: "v1.10.0"}, true},
		{&packages.Module{Path: host.Path, Version: "v1.10.0", Replace: &packages.Module{Dir: "/src/logrus"}}, false},
	} {
		err := checkPin(host, tc.src, "github.com/sirupsen/logrus")
		var perr *PinError
		if got := errors.As(err, &perr); got != tc.fail {
			t.Errorf("checkPin(%s %s) = %v, want failure %v", tc.src.Path, tc.src.Version, err, tc.fail)
			continue
		}
		if tc.fail {
			msg := err.Error()
			for _, want := range []string{host.Path, "v1.9.3", "v1.10.0", "go get github.com/sirupsen/logrus@v1.9.3"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		}
	}
}

// TestCleanupRemovesOnlyOlderBuildsItPublished proves that cleanup
// removes an older build of the binary (matching the output name, with a
// build manifest that says so) and keeps everything else: the kept build,
// a file of the user's named like a build but without a build manifest,
// one whose manifest is another binary's or names another hash, and files
// that don't match the pattern.
func TestCleanupRemovesOnlyOlderBuildsItPublished(t *testing.T) {
	dir := t.TempDir()
	manifest := func(binaryID, hash string) string {
		return `{"binaryId": "` + binaryID + `", "buildHash": "` + hash + `"}`
	}
	files := map[string]string{
		"demo-0123456789abcdef.cbus.so": "", "demo-0123456789abcdef.cbus.json": manifest("demo", "0123456789abcdef"),
		"demo-fedcba9876543210.cbus.so": "", "demo-fedcba9876543210.cbus.json": manifest("demo", "fedcba9876543210"),
		// The user's: no manifest, another binary's manifest, another hash.
		"demo-00000000000000aa.cbus.so": "",
		"demo-00000000000000bb.cbus.so": "", "demo-00000000000000bb.cbus.json": manifest("other", "00000000000000bb"),
		"demo-00000000000000cc.cbus.so": "", "demo-00000000000000cc.cbus.json": manifest("demo", "00000000000000dd"),
		"other-0123456789abcdef.cbus.so": "", "demo-notahash.cbus.so": "", "demo-0123.cbus.so": "",
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := cleanup(dir, "demo", "demo-{buildHash}.cbus.so", "demo-fedcba9876543210.cbus.so")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "demo-0123456789abcdef.cbus.so")}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	var want []string
	for f := range files {
		if !strings.HasPrefix(f, "demo-0123456789abcdef.") {
			want = append(want, f)
		}
	}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

// TestPluginLinkFlags: a plugin is linked without DWARF (-w) after the
// host's own -ldflags, unless debug info is kept.
func TestPluginLinkFlags(t *testing.T) {
	cases := []struct {
		hostLdflags string
		keep        bool
		want        string // the -ldflags flag, "" for none
	}{
		{"", false, "-ldflags=-w"},
		{"", true, ""},
		{"-X main.version=1.2.3", false, "-ldflags=-X main.version=1.2.3 -w"},
		{"-X main.version=1.2.3", true, "-ldflags=-X main.version=1.2.3"},
		{"-s -w", false, "-ldflags=-s -w -w"},
		{"all=-X example.com/v.V=1", false, "-ldflags=-X example.com/v.V=1 -w"},
		{"./cmd/host=-X main.v=1", false, "-ldflags=-w"},
	}
	for _, c := range cases {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/host"}}
		if c.hostLdflags != "" {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: "-ldflags", Value: c.hostLdflags})
		}
		h, err := newHost("", bi)
		if err != nil {
			t.Fatal(err)
		}
		flags := pluginFlags(h, c.keep)
		var got []string
		for _, f := range flags {
			if strings.HasPrefix(f, "-ldflags") {
				got = append(got, f)
			}
		}
		want := []string{c.want}
		if c.want == "" {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("host -ldflags %q, keep debug info %v: %q, want %q", c.hostLdflags, c.keep, flags, want)
		}
	}
}

func TestHostBuildFlagsMirrorSettings(t *testing.T) {
	h, err := newHost("", &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "example.com/host", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "-tags", Value: "netgo,extra"}, {Key: "-trimpath", Value: "true"},
			{Key: "-race", Value: "true"}, {Key: "CGO_ENABLED", Value: "1"}, {Key: "GOAMD64", Value: "v3"},
			{Key: "vcs.revision", Value: "abc"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pluginFlags(h, false), []string{"-buildmode=plugin", "-ldflags=-w", "-race", "-tags=controllerbus_hot_plugin,netgo,extra", "-trimpath"}; !slices.Equal(got, want) {
		t.Errorf("pluginFlags(h, false) = %v, want %v", got, want)
	}
	if got, want := pluginFlags(h, true), []string{"-buildmode=plugin", "-race", "-tags=controllerbus_hot_plugin,netgo,extra", "-trimpath"}; !slices.Equal(got, want) {
		t.Errorf("pluginFlags(h, true) = %v, want %v", got, want)
	}
	if got, want := hostEnv(h), []string{"CGO_ENABLED=1", "GOAMD64=v3"}; !slices.Equal(got, want) {
		t.Errorf("hostEnv() = %v, want %v", got, want)
	}
	if _, err := newHost("", &debug.BuildInfo{Main: debug.Module{Path: "x"}, Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "0"}}}); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("a host without cgo: got %v, want an error naming CGO_ENABLED=0", err)
	}
	if _, err := newHost("", &debug.BuildInfo{}); err == nil || !strings.Contains(err.Error(), "no main module") {
		t.Errorf("a host without a main module: got %v, want an error saying so", err)
	}
}
