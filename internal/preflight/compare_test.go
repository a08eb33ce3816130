package preflight

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// info builds a BuildInfo from a Go version, settings and modules
// ("path version" or "path version => replacement").
func info(goVersion string, settings map[string]string, mods ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: goVersion, Main: debug.Module{Path: "example.com/host", Version: "(devel)"}}
	for k, v := range settings {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
	}
	for _, m := range mods {
		f := strings.Fields(m)
		mod := &debug.Module{Path: f[0], Version: f[1]}
		if len(f) == 4 {
			mod.Replace = &debug.Module{Path: f[3]}
		}
		bi.Deps = append(bi.Deps, mod)
	}
	return bi
}

// withMain sets the main module path of bi.
func withMain(bi *debug.BuildInfo, path string) *debug.BuildInfo {
	bi.Main.Path = path
	return bi
}

func TestCompare(t *testing.T) {
	base := map[string]string{"CGO_ENABLED": "1", "GOARCH": "amd64", "GOAMD64": "v1"}
	with := func(kv ...string) map[string]string {
		m := make(map[string]string)
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name         string
		host, plugin *debug.BuildInfo
		want         []string // "item|host|plugin"
	}{
		{"same", info("go1.26.8", base, "a.com/x v1.0.0"), info("go1.26.8", base, "a.com/x v1.0.0"), nil},
		{"go version", info("go1.26.8", base), info("go1.26.7", base), []string{"go version|go1.26.8|go1.26.7"}},
		{"trimpath", info("go1.26.8", base), info("go1.26.8", with("-trimpath", "true")), []string{"-trimpath|false|true"}},
		{"trimpath explicit false", info("go1.26.8", with("-trimpath", "false")), info("go1.26.8", base), nil},
		{"tags", info("go1.26.8", with("-tags", "a,b")), info("go1.26.8", base), []string{"-tags|a,b|"}},
		{"cgo", info("go1.26.8", base), info("go1.26.8", with("CGO_ENABLED", "0")), []string{"CGO_ENABLED|1|0"}},
		{"goamd64", info("go1.26.8", base), info("go1.26.8", with("GOAMD64", "v3")), []string{"GOAMD64|v1|v3"}},
		{"race", info("go1.26.8", with("-race", "true")), info("go1.26.8", base), []string{"-race|true|false"}},
		{"pgo", info("go1.26.8", with("-pgo", "/src/default.pgo")), info("go1.26.8", base), []string{"-pgo|/src/default.pgo|off"}},
		// Build info records the profile's path, not its contents.
		{"pgo recorded alike", info("go1.26.8", with("-pgo", "/src/default.pgo")), info("go1.26.8", with("-pgo", "/src/default.pgo")),
			[]string{"-pgo (the profile's contents)|/src/default.pgo|/src/default.pgo"}},
		{"cover", info("go1.26.8", with("-cover", "true")), info("go1.26.8", base), []string{"-cover|true|false"}},
		// Build info records neither -coverpkg nor -covermode.
		{"cover recorded alike", info("go1.26.8", with("-cover", "true")), info("go1.26.8", with("-cover", "true")),
			[]string{"-coverpkg, -covermode|(not recorded)|(not recorded)"}},
		// The hotbus compiler replaces a module the host built from
		// source by its directory: not a difference build info can tell.
		{"a devel module replaced by a directory", info("go1.26.8", base, "a.com/x v1.0.0"), withMain(info("go1.26.8", base, "a.com/x v1.0.0", "example.com/host v0.0.0-00010101000000-000000000000 => /src/host"), "hotbus/plugin"), nil},
		{"a devel module replaced by a module", info("go1.26.8", base, "a.com/x v1.0.0"), withMain(info("go1.26.8", base, "a.com/x v1.0.0", "example.com/host v0.0.0-00010101000000-000000000000 => example.com/fork"), "hotbus/plugin"),
			[]string{"module example.com/host|(devel)|v0.0.0-00010101000000-000000000000 => example.com/fork"}},
		{"pgo recorded alike, a module differs", info("go1.26.8", with("-pgo", "/p"), "a.com/x v1.0.0"), info("go1.26.8", with("-pgo", "/p"), "a.com/x v1.1.0"),
			[]string{"module a.com/x|v1.0.0|v1.1.0"}},
		// The lists before hostinfo's table missed these.
		{"asmflags", info("go1.26.8", with("-asmflags", "-spectre=all")), info("go1.26.8", base), []string{"-asmflags|-spectre=all|"}},
		{"cgo flags", info("go1.26.8", with("CGO_CFLAGS", "-O2 -g")), info("go1.26.8", with("CGO_CFLAGS", "-O0")), []string{"CGO_CFLAGS|-O2 -g|-O0"}},
		{"goppc64", info("go1.26.8", with("GOPPC64", "power8")), info("go1.26.8", with("GOPPC64", "power9")), []string{"GOPPC64|power8|power9"}},
		// -trimpath builds don't record the cgo flags: not a difference.
		{
			"cgo flags unrecorded", info("go1.26.8", with("CGO_CFLAGS", "-O2 -g")), info("go1.26.8", with("-trimpath", "true")),
			[]string{"-trimpath|false|true"},
		},
		{"tag order", info("go1.26.8", with("-tags", "a,b")), info("go1.26.8", with("-tags", "b,a")), nil},
		{
			"module version", info("go1.26.8", base, "a.com/x v1.0.0", "b.com/y v2.0.0"),
			info("go1.26.8", base, "a.com/x v1.1.0", "c.com/z v1.0.0"),
			[]string{"module a.com/x|v1.0.0|v1.1.0"},
		},
		{
			"module replace", info("go1.26.8", base, "a.com/x v1.0.0 => ../x"),
			info("go1.26.8", base, "a.com/x v1.0.0"),
			[]string{"module a.com/x|v1.0.0 => ../x|v1.0.0"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, m := range Compare(c.host, c.plugin) {
				got = append(got, m.Item+"|"+m.Host+"|"+m.Plugin)
				if m.Fix == "" {
					t.Errorf("%s: no fix", m.Item)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{
		Path:     "/p/x.cbus.so",
		Packages: []string{"example.com/shared"},
		Mismatches: []Mismatch{{
			Item: "-trimpath", Host: "false", Plugin: "true",
			Fix: "build the plugin with -trimpath exactly when the host was",
		}},
	}
	want := `plugin /p/x.cbus.so would be refused by the Go runtime: built with a different version of package example.com/shared; differences from the host:
  - -trimpath: host "false", plugin "true": build the plugin with -trimpath exactly when the host was`
	if got := e.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	e.Mismatches = nil
	if got := e.Error(); !strings.Contains(got, "the sources differ") {
		t.Errorf("no explanation without mismatches: %s", got)
	}
}

func TestReadPluginRefusesNonPlugins(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.cbus.so")
	if err := os.WriteFile(garbage, []byte("not an elf file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.cbus.so")
	if err := os.WriteFile(truncated, data[:len(data)-4096], 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, want string
	}{
		{garbage, "not an ELF file"},
		{truncated, "truncated ELF file"},
		{exe, "want ET_DYN"}, // the test binary is an executable
		{filepath.Join(dir, "missing.cbus.so"), "no such file"},
	}
	for _, c := range cases {
		_, err := ReadPlugin(c.path)
		var pe *Error
		if !errors.As(err, &pe) || pe.Path != c.path || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadPlugin(%s) = %v, want a *Error saying %q", filepath.Base(c.path), err, c.want)
		}
	}
}

// TestHostWithoutPluginSupport: this test binary does not link package
// plugin, so it has no package fingerprints and can't load plugins.
func TestHostWithoutPluginSupport(t *testing.T) {
	host, err := CurrentHost()
	if err != nil {
		t.Fatal(err)
	}
	if host.Info == nil || host.Info.GoVersion == "" {
		t.Fatalf("no build info: %+v", host.Info)
	}
	if _, err := host.PkgHashes(); !errors.Is(err, ErrNoPluginSupport) {
		t.Errorf("PkgHashes = %v, want ErrNoPluginSupport", err)
	}
	h2, err := ReadHost(host.Path)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Info.GoVersion != host.Info.GoVersion {
		t.Errorf("ReadHost go version %q, CurrentHost %q", h2.Info.GoVersion, host.Info.GoVersion)
	}
}

// TestProfileChange: what preflight can tell of a PGO profile changed or
// removed since the host was built (build info records its path only).
func TestProfileChange(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	profile := filepath.Join(dir, "default.pgo")
	for _, f := range []string{host, profile} {
		if err := os.WriteFile(f, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	built := time.Now().Add(-time.Hour)
	if err := os.Chtimes(host, built, built); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(profile, built.Add(-time.Minute), built.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := profileChange(profile, host); got != "" {
		t.Errorf("a profile older than the host: %q, want nothing", got)
	}
	if err := os.Chtimes(profile, built.Add(time.Minute), built.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := profileChange(profile, host); !strings.Contains(got, "modified at") || !strings.Contains(got, "after the host executable "+host) {
		t.Errorf("a profile modified after the host was built: %q, want it said", got)
	}
	if err := os.Remove(profile); err != nil {
		t.Fatal(err)
	}
	if got := profileChange(profile, host); !strings.Contains(got, "can't be read now") {
		t.Errorf("a removed profile: %q, want it said", got)
	}
}
