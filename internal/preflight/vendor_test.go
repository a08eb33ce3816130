package preflight

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestCompareIgnoresTheGeneratedFileTag: controllerbus_hot_plugin only
// selects the generated plugin main, so it is no difference.
func TestCompareIgnoresTheGeneratedFileTag(t *testing.T) {
	for _, tc := range []struct{ host, plugin string }{
		{"", "controllerbus_hot_plugin"},
		{"extra", "controllerbus_hot_plugin,extra"},
	} {
		host := info("go1.26.8", map[string]string{"-tags": tc.host})
		plugin := info("go1.26.8", map[string]string{"-tags": tc.plugin})
		if got := Compare(host, plugin); len(got) != 0 {
			t.Errorf("host -tags %q, plugin -tags %q: %v", tc.host, tc.plugin, got)
		}
	}
	host := info("go1.26.8", map[string]string{"-tags": "extra"})
	plugin := info("go1.26.8", map[string]string{"-tags": "controllerbus_hot_plugin"})
	if got := Compare(host, plugin); len(got) != 1 || got[0].Item != "-tags" || got[0].Host != "extra" || got[0].Plugin != "" {
		t.Errorf("a missing host tag is not reported as the one difference: %v", got)
	}
}

// TestCompareVendoredHost: a host built from vendor/ without -trimpath
// and a plugin built from the module cache differ in the vendor
// directory, which is said, and in nothing else; a plugin built from the
// host's vendor directory does not differ.
func TestCompareVendoredHost(t *testing.T) {
	mod := func(sum, replace string) *debug.Module {
		m := &debug.Module{Path: "a.com/x", Version: "v1.0.0", Sum: sum}
		if replace != "" {
			m.Replace = &debug.Module{Path: replace}
		}
		return m
	}
	host := &debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{mod("", "")}}
	fromCache := &debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{mod("h1:abc=", "")}}
	got := Compare(host, fromCache)
	if len(got) != 1 || got[0].Item != "vendor directory" || !strings.Contains(got[0].Fix, "-trimpath") {
		t.Fatalf("got %v, want only the vendor directory, with -trimpath as the fix", got)
	}
	fromVendor := &debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{mod("", "/src/host/vendor/a.com/x")}}
	if got := Compare(host, fromVendor); len(got) != 0 {
		t.Errorf("plugin built from the host's vendor dir: %v", got)
	}
	trimmed := &debug.BuildInfo{GoVersion: "go1.26.8", Deps: host.Deps, Settings: []debug.BuildSetting{{Key: "-trimpath", Value: "true"}}}
	pluginTrimmed := &debug.BuildInfo{GoVersion: "go1.26.8", Deps: fromCache.Deps, Settings: trimmed.Settings}
	if got := Compare(trimmed, pluginTrimmed); slices.ContainsFunc(got, func(m Mismatch) bool { return m.Item == "vendor directory" }) {
		t.Errorf("-trimpath host: vendor directory reported: %v", got)
	}
}
