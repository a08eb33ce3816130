package preflight

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/internal/hostinfo"
)

// Error is a plugin the runtime would refuse, or could not be checked.
type Error struct {
	// Path is the plugin file.
	Path string
	// Packages are the packages whose fingerprints differ between the
	// plugin and the host (or a plugin loaded before): the runtime's
	// verdict. Empty when Err is set.
	Packages []string
	// Mismatches are the build settings and modules that differ: the
	// explanation.
	Mismatches []Mismatch
	// Err is why the plugin could not be checked (not an ELF shared
	// object, no symbols, ...), or nil.
	Err error
}

// Error describes the verdict, every mismatch and what to do.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("plugin %s: %v", e.Path, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s would be refused by the Go runtime: built with a different version of package %s",
		e.Path, strings.Join(e.Packages, ", "))
	if len(e.Mismatches) == 0 {
		b.WriteString("; the build info matches, so the sources differ: rebuild the plugin from the sources and module versions the host was built with")
		return b.String()
	}
	b.WriteString("; differences from the host:")
	for _, m := range e.Mismatches {
		b.WriteString("\n  - ")
		b.WriteString(m.String())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error {
	return e.Err
}

// Mismatch is one build setting or module that differs between the host
// and a plugin.
type Mismatch struct {
	// Item names what differs: "go version", a build setting ("-trimpath",
	// "CGO_ENABLED", ...) or "module <path>".
	Item string
	// Host is the host's value ("" if unset).
	Host string
	// Plugin is the plugin's value ("" if unset).
	Plugin string
	// Fix says what to do.
	Fix string
}

// String returns "item: host X, plugin Y: fix".
func (m Mismatch) String() string {
	return fmt.Sprintf("%s: host %s, plugin %s: %s", m.Item, show(m.Host), show(m.Plugin), m.Fix)
}

// show quotes a value, or says it is unset.
func show(v string) string {
	if v == "" {
		return "(unset)"
	}
	return fmt.Sprintf("%q", v)
}

// Compare lists the build settings and module versions that differ between
// host and plugin build info: Go version, the settings of hostinfo's table
// (the tag hot_plugin.BuildTag aside: it selects the generated file only),
// and the version or replacement of each module both contain. When all of
// those match, it names what build info doesn't record but may differ: the
// contents of a PGO profile both name, the -coverpkg and -covermode of two
// -cover builds. Either may be nil.
func Compare(host, plugin *debug.BuildInfo) []Mismatch {
	if host == nil || plugin == nil {
		return nil
	}
	var out []Mismatch
	if host.GoVersion != plugin.GoVersion {
		out = append(out, Mismatch{
			Item: "go version", Host: host.GoVersion, Plugin: plugin.GoVersion,
			Fix: "build the plugin with the Go toolchain that built the host (GOTOOLCHAIN=" + host.GoVersion + ")",
		})
	}
	if hostinfo.Value(host, "-trimpath") != "true" && vendorOnly(host, plugin) {
		out = append(out, Mismatch{
			Item: "vendor directory", Host: "built from vendor/ (no go.sum hashes in its build info)", Plugin: "built from the module cache",
			Fix: "a host built from a vendor directory without -trimpath compiled its dependencies from <module>/vendor/ paths, " +
				"which a plugin built from the module cache can't match: build the host with -trimpath, " +
				"or build the plugin with the hotbus compiler, which builds from the host's vendor directory",
		})
	}
	for _, d := range hostinfo.Diff(host, plugin, hot_plugin.BuildTag) {
		out = append(out, Mismatch{Item: d.Key, Host: d.Host, Plugin: d.Plugin, Fix: d.Fix})
	}
	hm, pm := moduleMap(host), moduleMap(plugin)
	if len(host.Deps) == 0 && len(plugin.Deps) != 0 {
		if len(out) != 0 {
			// A setting explains it already.
			return out
		}
		// go test binaries record no dependencies: say so rather than let
		// the modules look alike, and point at the replaced ones.
		out = append(out, Mismatch{
			Item: "module versions", Host: "(not recorded: go test binaries list no modules)", Plugin: fmt.Sprintf("%d modules", len(plugin.Deps)),
			Fix: "they can't be compared; build the plugin with the module versions and replaces the host was built with",
		})
		for _, d := range plugin.Deps {
			if d.Replace != nil {
				out = append(out, Mismatch{
					Item: "module " + d.Path, Host: "(not recorded)", Plugin: pm[d.Path],
					Fix: "the plugin replaces it: check that the host was built with the same replace",
				})
			}
		}
		return out
	}
	for _, path := range sortedKeys(pm) {
		hv, ok := hm[path]
		if !ok {
			continue
		}
		if pv := pm[path]; hv != pv && !fromHostVendor(path, hv, pv) && !fromHostSource(hv, pv) {
			out = append(out, Mismatch{
				Item: "module " + path, Host: hv, Plugin: pv,
				Fix: "require and replace " + path + " in the plugin's go.mod as the host does (" + show(hv) + ")",
			})
		}
	}
	if len(out) == 0 {
		out = unrecorded(host, plugin)
	}
	return out
}

// profileItem is the Mismatch item of a PGO profile both builds name.
const profileItem = "-pgo (the profile's contents)"

// unrecorded returns, for builds whose recorded settings and modules match,
// the settings that may still differ in what build info does not record:
// the contents of a PGO profile both name (build info records its path),
// and the -coverpkg and -covermode of two -cover builds.
func unrecorded(host, plugin *debug.BuildInfo) []Mismatch {
	var out []Mismatch
	if v := hostinfo.Value(host, "-pgo"); v != "off" && v == hostinfo.Value(plugin, "-pgo") {
		out = append(out, Mismatch{
			Item: profileItem, Host: v, Plugin: v,
			Fix: "both were built with the PGO profile " + v + ", but build info records its path, not its contents: " +
				"if the file changed since the host was built, restore it as it was, or rebuild the host",
		})
	}
	if hostinfo.Value(host, "-cover") == "true" && hostinfo.Value(plugin, "-cover") == "true" {
		out = append(out, Mismatch{
			Item: "-coverpkg, -covermode", Host: "(not recorded)", Plugin: "(not recorded)",
			Fix: "build info records -cover but not which packages were instrumented or how: hotbus builds the plugin with the go command's defaults " +
				"(the packages of the host's main module, mode set, or atomic with -race); build the host without -coverpkg and -covermode, " +
				"or without -cover, or use the process target",
		})
	}
	return out
}

// moduleMap returns "version" or "version => replacement" by module path,
// for the main module and every dependency.
func moduleMap(info *debug.BuildInfo) map[string]string {
	m := make(map[string]string, len(info.Deps)+1)
	add := func(mod *debug.Module) {
		if mod == nil || mod.Path == "" {
			return
		}
		v := mod.Version
		if r := mod.Replace; r != nil {
			v += " => " + r.Path
			if r.Version != "" {
				v += "@" + r.Version
			}
		}
		m[mod.Path] = v
	}
	add(&info.Main)
	for _, d := range info.Deps {
		add(d)
	}
	return m
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// vendorOnly reports whether the host was built from a vendor directory
// (its modules have no go.sum hash in build info) and the plugin from the
// module cache (the same modules, at the same versions, with hashes).
func vendorOnly(host, plugin *debug.BuildInfo) bool {
	hostMods := make(map[string]*debug.Module, len(host.Deps))
	for _, d := range host.Deps {
		if d != nil && d.Replace == nil && d.Sum == "" && d.Version != "" && d.Version != "(devel)" {
			hostMods[d.Path] = d
		}
	}
	for _, d := range plugin.Deps {
		if h := hostMods[d.Path]; h != nil && d.Replace == nil && d.Sum != "" && d.Version == h.Version {
			return true
		}
	}
	return false
}

// fromHostSource reports whether a plugin's module (version pv) is a
// module the host built from source (hv "(devel)": its main module, or a
// workspace module) replaced by a local directory, as the hotbus compiler
// builds it: build info can't tell whether the directory is the host's, the
// fingerprints can, so it is no difference to explain.
func fromHostSource(hv, pv string) bool {
	_, dir, ok := strings.Cut(pv, " => ")
	if hv != hostinfo.DevelVersion || !ok {
		return false
	}
	dir, _, _ = strings.Cut(dir, "@")
	return filepath.IsAbs(dir) || strings.HasPrefix(dir, "./") || strings.HasPrefix(dir, "../")
}

// fromHostVendor reports whether a plugin's module (version pv) is the
// host's (hv) built from the vendor directory: "v => <dir>/vendor/<path>".
func fromHostVendor(path, hv, pv string) bool {
	v, dir, ok := strings.Cut(pv, " => ")
	return ok && v == hv && strings.HasSuffix(filepath.ToSlash(dir), "/vendor/"+path)
}
