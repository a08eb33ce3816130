package hostpins

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

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
		flags := PluginFlags(h, c.keep)
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
	if got, want := PluginFlags(h, false), []string{"-buildmode=plugin", "-ldflags=-w", "-pgo=off", "-race", "-tags=controllerbus_hot_plugin,netgo,extra", "-trimpath"}; !slices.Equal(got, want) {
		t.Errorf("PluginFlags(h, false) = %v, want %v", got, want)
	}
	if got, want := PluginFlags(h, true), []string{"-buildmode=plugin", "-pgo=off", "-race", "-tags=controllerbus_hot_plugin,netgo,extra", "-trimpath"}; !slices.Equal(got, want) {
		t.Errorf("PluginFlags(h, true) = %v, want %v", got, want)
	}
	if got, want := Env(h), []string{"CGO_ENABLED=1", "GOAMD64=v3"}; !slices.Equal(got, want) {
		t.Errorf("Env() = %v, want %v", got, want)
	}
	if _, err := newHost("", &debug.BuildInfo{Main: debug.Module{Path: "x"}, Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "0"}}}); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("a host without cgo: got %v, want an error naming CGO_ENABLED=0", err)
	}
	if _, err := newHost("", &debug.BuildInfo{}); err == nil || !strings.Contains(err.Error(), "no main module") {
		t.Errorf("a host without a main module: got %v, want an error saying so", err)
	}
}

// TestHostPGOProfile: a host built with a PGO profile gets plugins built
// with that profile; a profile that is gone, or that build info names
// without its directory (-trimpath), fails before any build, naming the
// file and what to do.
func TestHostPGOProfile(t *testing.T) {
	dir := t.TempDir()
	profile := filepath.Join(dir, "default.pgo")
	if err := os.WriteFile(profile, []byte("a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := func(settings ...debug.BuildSetting) (*Host, error) {
		return newHost("", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/host", Version: "(devel)"}, Settings: settings})
	}
	h, err := host(debug.BuildSetting{Key: "-pgo", Value: profile})
	if err != nil {
		t.Fatalf("a host whose profile exists: %v", err)
	}
	if flags := PluginFlags(h, false); !slices.Contains(flags, "-pgo="+profile) {
		t.Errorf("PluginFlags = %q, want -pgo=%s", flags, profile)
	}
	h, err = host()
	if err != nil {
		t.Fatal(err)
	}
	if flags := PluginFlags(h, false); !slices.Contains(flags, "-pgo=off") {
		t.Errorf("a host without a profile: PluginFlags = %q, want -pgo=off", flags)
	}

	gone := filepath.Join(dir, "gone", "default.pgo")
	_, err = host(debug.BuildSetting{Key: "-pgo", Value: gone})
	for _, want := range []string{gone, "can't be read now", "restore", "rebuild the host"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a host whose profile is gone: got %v, want an error containing %q", err, want)
		}
	}
	_, err = host(debug.BuildSetting{Key: "-pgo", Value: dir})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a host whose profile is a directory: got %v, want an error saying it is not a file", err)
	}
	_, err = host(debug.BuildSetting{Key: "-pgo", Value: "default.pgo"}, debug.BuildSetting{Key: "-trimpath", Value: "true"})
	for _, want := range []string{"-trimpath", "default.pgo", "without -trimpath", "-pgo=off"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a -trimpath host with a profile: got %v, want an error containing %q", err, want)
		}
	}
}
