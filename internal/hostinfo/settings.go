package hostinfo

import (
	"runtime/debug"
	"slices"
	"strings"
)

// Source says how the go command is given a build setting.
type Source int

const (
	// BoolFlag is a go build flag given alone when the setting is "true"
	// (-trimpath, -race).
	BoolFlag Source = iota
	// ValueFlag is a go build flag with a value (-tags=a,b, -gcflags=...).
	ValueFlag
	// EnvVar is an environment variable of the go command (CGO_ENABLED,
	// GOAMD64, ...).
	EnvVar
)

// Setting is a build setting that a plugin must share with its host: it
// changes how the packages both link are compiled, so a plugin built
// without the host's value is refused by the Go runtime ("plugin was built
// with a different version of package ...").
type Setting struct {
	// Key is the setting's key in debug.BuildInfo.Settings ("-trimpath",
	// "CGO_ENABLED"): a go build flag's name, or an environment variable.
	Key string
	// Source is how the go command is given it.
	Source Source
	// Default is what the go command does when build info doesn't record
	// the setting ("false" for -trimpath, "gc" for -compiler).
	Default string
	// Optional settings are recorded only by some builds: the go command
	// leaves CGO_CFLAGS and the other cgo flags out of -trimpath builds.
	// They are compared only when both builds record them.
	Optional bool
	// Link settings are the linker's: Flags reproduces them, Diff leaves
	// them out, since the package fingerprints the runtime compares don't
	// depend on them (a plugin linked with -w loads into a host linked
	// without it).
	Link bool
	// Fix says how to build a plugin whose value differs from the host's.
	Fix string
}

// settings is the table: sorted by key as the go command records them.
var settings = []Setting{
	{Key: "-asan", Source: BoolFlag, Default: "false", Fix: "build the plugin with -asan exactly when the host was"},
	{Key: "-asmflags", Source: ValueFlag, Fix: "build the plugin with the host's -asmflags"},
	{Key: "-compiler", Source: ValueFlag, Default: "gc", Fix: "build the plugin with the host's compiler"},
	{Key: "-cover", Source: BoolFlag, Default: "false", Fix: "build the plugin with -cover exactly when the host was, instrumenting the packages the host instrumented " +
		"(the go command's default, which hotbus mirrors: the packages of the host's main module, for a go test binary the package under test; " +
		"build info records neither -coverpkg nor -covermode): build the host without -coverpkg and -covermode, or without -cover, or use the process target"},
	{Key: "-gcflags", Source: ValueFlag, Fix: "build the plugin with the host's -gcflags"},
	{Key: "-ldflags", Source: ValueFlag, Link: true, Fix: "build the plugin with the host's -ldflags if it needs them (they never make the runtime refuse a plugin)"},
	{Key: "-msan", Source: BoolFlag, Default: "false", Fix: "build the plugin with -msan exactly when the host was"},
	{Key: "-pgo", Source: ValueFlag, Default: "off", Fix: "build the plugin with the host's PGO profile (-pgo=<the file the host recorded>, with the contents it had when the host was built): " +
		"restore that file, or rebuild the host (with -pgo=off to build it without a profile)"},
	{Key: "-race", Source: BoolFlag, Default: "false", Fix: "build the plugin with -race exactly when the host was"},
	{Key: "-tags", Source: ValueFlag, Fix: "build the plugin with the host's -tags"},
	{Key: "-trimpath", Source: BoolFlag, Default: "false", Fix: "build the plugin with -trimpath exactly when the host was"},
	{Key: "CGO_CFLAGS", Source: EnvVar, Optional: true, Fix: "build the plugin with the host's CGO_CFLAGS"},
	{Key: "CGO_CPPFLAGS", Source: EnvVar, Optional: true, Fix: "build the plugin with the host's CGO_CPPFLAGS"},
	{Key: "CGO_CXXFLAGS", Source: EnvVar, Optional: true, Fix: "build the plugin with the host's CGO_CXXFLAGS"},
	{Key: "CGO_ENABLED", Source: EnvVar, Fix: "build the plugin with the host's CGO_ENABLED"},
	{Key: "CGO_LDFLAGS", Source: EnvVar, Optional: true, Fix: "build the plugin with the host's CGO_LDFLAGS"},
	{Key: "GO386", Source: EnvVar, Fix: "build the plugin with the host's GO386"},
	{Key: "GOAMD64", Source: EnvVar, Fix: "build the plugin with the host's GOAMD64"},
	{Key: "GOARCH", Source: EnvVar, Fix: "build the plugin for the host's GOARCH"},
	{Key: "GOARM", Source: EnvVar, Fix: "build the plugin with the host's GOARM"},
	{Key: "GOARM64", Source: EnvVar, Fix: "build the plugin with the host's GOARM64"},
	{Key: "GOEXPERIMENT", Source: EnvVar, Fix: "build the plugin with the host's GOEXPERIMENT"},
	{Key: "GOFIPS140", Source: EnvVar, Fix: "build the plugin with the host's GOFIPS140 (it selects the crypto module)"},
	{Key: "GOMIPS", Source: EnvVar, Fix: "build the plugin with the host's GOMIPS"},
	{Key: "GOMIPS64", Source: EnvVar, Fix: "build the plugin with the host's GOMIPS64"},
	{Key: "GOOS", Source: EnvVar, Fix: "build the plugin for the host's GOOS"},
	{Key: "GOPPC64", Source: EnvVar, Fix: "build the plugin with the host's GOPPC64"},
	{Key: "GORISCV64", Source: EnvVar, Fix: "build the plugin with the host's GORISCV64"},
	{Key: "GOWASM", Source: EnvVar, Fix: "build the plugin with the host's GOWASM"},
}

// Settings returns the table of the build settings a plugin must share
// with its host, sorted by key.
func Settings() []Setting {
	return slices.Clone(settings)
}

// lookup returns the table's setting with key.
func lookup(key string) (Setting, bool) {
	i := slices.IndexFunc(settings, func(s Setting) bool { return s.Key == key })
	if i < 0 {
		return Setting{}, false
	}
	return settings[i], true
}

// SettingMap returns the build settings of bi by key.
func SettingMap(bi *debug.BuildInfo) map[string]string {
	m := make(map[string]string, len(bi.Settings))
	for _, s := range bi.Settings {
		m[s.Key] = s.Value
	}
	return m
}

// recorded returns the value of key in bi, and whether bi records it.
func recorded(bi *debug.BuildInfo, key string) (string, bool) {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// Value returns the value of the setting key in bi, or the setting's
// default (see [Settings]) if bi doesn't record it or records it empty.
func Value(bi *debug.BuildInfo, key string) string {
	if v, _ := recorded(bi, key); v != "" {
		return v
	}
	s, _ := lookup(key)
	return s.Default
}

// Flags returns the go build flags that reproduce the settings bi
// records, in the table's order: -trimpath, -race, -msan, -asan when
// "true"; -tags, -gcflags, -asmflags, -ldflags and -compiler with their
// values when not the default; -cover with the -coverpkg of the go
// command's default (see [CoverPackages]) when "true"; and always -pgo:
// the profile bi records (an absolute path, or only the file's name in a
// -trimpath build), else -pgo=off, so that a default.pgo beside a built
// main package is never used by accident (the go command's -pgo=auto).
// extra are the caller's own flags ("-tags=x",
// "-ldflags=-w", "-buildmode=plugin"): -tags and -ldflags are combined with
// bi's (see [LinkFlags]; extra tags come first, each tag once), the others
// follow as given. -o and the packages are the caller's.
func Flags(bi *debug.BuildInfo, extra ...string) []string {
	var extraTags []string
	var extraLd, rest []string
	for _, f := range extra {
		switch k, v, _ := strings.Cut(f, "="); k {
		case "-tags":
			extraTags = append(extraTags, splitTags(v)...)
		case "-ldflags":
			extraLd = append(extraLd, v)
		default:
			rest = append(rest, f)
		}
	}
	var flags []string
	for _, s := range settings {
		v := Value(bi, s.Key)
		switch {
		case s.Source == EnvVar:
		case s.Key == "-tags":
			if tags := joinTags(extraTags, v); tags != "" {
				flags = append(flags, "-tags="+tags)
			}
		case s.Key == "-ldflags":
			if ld := LinkFlags(v, extraLd...); ld != "" {
				flags = append(flags, "-ldflags="+ld)
			}
		case s.Key == "-pgo":
			flags = append(flags, "-pgo="+v)
		case s.Key == "-cover":
			if v == "true" {
				flags = append(flags, s.Key)
				if pkgs := CoverPackages(bi); pkgs != "" {
					flags = append(flags, "-coverpkg="+pkgs)
				}
			}
		case s.Source == BoolFlag:
			if v == "true" {
				flags = append(flags, s.Key)
			}
		case v != s.Default:
			flags = append(flags, s.Key+"="+v)
		}
	}
	return append(flags, rest...)
}

// CoverPackages returns the -coverpkg pattern of the packages a build
// with -cover instruments by default, which is all a plugin can mirror:
// build info records -cover but neither -coverpkg nor -covermode. A go
// test binary (its path ends in ".test") instruments the package under
// test, anything else the packages of its main module. "" if bi names
// neither.
func CoverPackages(bi *debug.BuildInfo) string {
	if pkg, ok := strings.CutSuffix(bi.Path, ".test"); ok && pkg != "" {
		return pkg
	}
	if bi.Main.Path == "" {
		return ""
	}
	return bi.Main.Path + "/..."
}

// LinkFlags returns the -ldflags value of a plugin built for a host that
// recorded the -ldflags value host ("" if none: build info leaves it out
// of -trimpath builds), with the caller's extra linker flags after the
// host's, so that they win. The go command gives one -ldflags value to the
// main packages on its command line, or with a "pattern=" prefix to those
// the pattern matches: a host's "all=" flags apply to a plugin's main
// package too, flags for another pattern were for the host's own main
// package and are left out.
func LinkFlags(host string, extra ...string) string {
	host = strings.TrimSpace(host)
	if host != "" && !strings.HasPrefix(host, "-") {
		if pattern, flags, ok := strings.Cut(host, "="); ok && pattern == "all" {
			host = flags
		} else {
			host = ""
		}
	}
	return strings.TrimSpace(strings.Join(append([]string{host}, extra...), " "))
}

// Env returns the environment ("KEY=value", sorted by key) of a go
// command that reproduces the settings bi records: CGO_ENABLED, the cgo
// flags, GOOS, GOARCH and its level (GOAMD64, ...), GOEXPERIMENT,
// GOFIPS140. Settings bi doesn't record are left out.
func Env(bi *debug.BuildInfo) []string {
	var env []string
	for _, s := range settings {
		if v, ok := recorded(bi, s.Key); ok && s.Source == EnvVar {
			env = append(env, s.Key+"="+v)
		}
	}
	return env
}

// EnvKeys returns the environment variables [Env] may set, sorted: a go
// command's own environment should drop them before adding Env's.
func EnvKeys() []string {
	var keys []string
	for _, s := range settings {
		if s.Source == EnvVar {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// Difference is a setting whose value differs between two builds.
type Difference struct {
	// Setting is the table's row.
	Setting
	// Host and Plugin are the two values (defaults where unrecorded).
	Host, Plugin string
}

// Diff returns the settings of the table whose values differ between the
// host's build info and the plugin's, in the table's order. Tags in
// ignoreTags (those that select a generated file only) are left out of
// both -tags values, and the order of tags doesn't matter.
func Diff(host, plugin *debug.BuildInfo, ignoreTags ...string) []Difference {
	var out []Difference
	for _, s := range settings {
		_, hok := recorded(host, s.Key)
		_, pok := recorded(plugin, s.Key)
		if s.Link || s.Optional && (!hok || !pok) {
			continue
		}
		hv, pv := Value(host, s.Key), Value(plugin, s.Key)
		same := hv == pv
		if s.Key == "-tags" {
			hv, pv = withoutTags(hv, ignoreTags), withoutTags(pv, ignoreTags)
			same = slices.Equal(slices.Sorted(slices.Values(splitTags(hv))), slices.Sorted(slices.Values(splitTags(pv))))
		}
		if !same {
			out = append(out, Difference{Setting: s, Host: hv, Plugin: pv})
		}
	}
	return out
}

// splitTags splits comma-separated tags, dropping empty ones.
func splitTags(tags string) []string {
	var out []string
	for _, t := range strings.Split(tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// withoutTags returns the comma-separated tags without those in drop.
func withoutTags(tags string, drop []string) string {
	return strings.Join(slices.DeleteFunc(splitTags(tags), func(t string) bool { return slices.Contains(drop, t) }), ",")
}

// joinTags returns first, then the comma-separated tags, each once.
func joinTags(first []string, tags string) string {
	var out []string
	for _, t := range append(slices.Clone(first), splitTags(tags)...) {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ",")
}
