package hot_cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"a dependency of the user's module (go run github.com/hotbus/hotbus/cmd/hot-builder)", &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "example.com/usermod", Version: "(devel)"},
			Deps:      []*debug.Module{{Path: "github.com/hotbus/hotbus", Version: "v0.3.1"}},
		}, "v0.3.1 (go1.26.8)"},
		{"replaced by a checkout", &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "example.com/usermod"},
			Deps:      []*debug.Module{{Path: "github.com/hotbus/hotbus", Version: "v0.0.0", Replace: &debug.Module{Path: "../hotbus"}}},
		}, "v0.0.0 (replaced by ../hotbus, go1.26.8)"},
		{"built in the hotbus repository", &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/hotbus/hotbus", Version: "(devel)"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "6ad3f52c0ffee0123456789"}, {Key: "vcs.modified", Value: "true"}},
		}, "devel (revision 6ad3f52c0ffe (modified), go1.26.8)"},
		{"hotbus not in the build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/other"}}, "unknown (go1.26.8)"},
	} {
		if got := versionOf(tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
