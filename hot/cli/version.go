package hot_cli

import (
	"runtime/debug"
	"strings"
)

// modulePath is hotbus's module path.
const modulePath = "github.com/hotbus/hotbus"

// Version returns the version of hotbus this program was built from, as
// its build info records it: the module version when hotbus is a
// dependency (go run github.com/hotbus/hotbus/cmd/hot-builder from a
// user's module), or the VCS revision when it is the main module, and the
// Go version.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build info)"
	}
	return versionOf(bi)
}

// versionOf returns the version of hotbus recorded in bi.
func versionOf(bi *debug.BuildInfo) string {
	mod := &bi.Main
	for _, d := range bi.Deps {
		if d.Path == modulePath {
			mod = d
		}
	}
	v := mod.Version
	if mod.Path != modulePath {
		v = "unknown"
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var extra []string
	if mod.Replace != nil {
		extra = append(extra, strings.TrimSpace("replaced by "+mod.Replace.Path+" "+mod.Replace.Version))
	}
	if mod == &bi.Main {
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if r := settings["vcs.revision"]; r != "" {
			if len(r) > 12 {
				r = r[:12]
			}
			rev := "revision " + r
			if settings["vcs.modified"] == "true" {
				rev += " (modified)"
			}
			extra = append(extra, rev)
		}
	}
	extra = append(extra, bi.GoVersion)
	return v + " (" + strings.Join(extra, ", ") + ")"
}
