package preflight

import (
	"runtime/debug"
)

// envSettings are the build settings that are environment variables of the
// go command.
var envSettings = []string{
	"CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS",
	"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOARM", "GO386", "GOEXPERIMENT",
}

// BuildFlags returns the go build flags that build a plugin the way info
// (the host's build info) says the host was built: -trimpath, -tags,
// -race, -msan, -asan, -gcflags, -compiler. Add -buildmode=plugin and the
// output yourself.
func BuildFlags(info *debug.BuildInfo) []string {
	if info == nil {
		return nil
	}
	m := settingMap(info)
	var flags []string
	for _, b := range []string{"-trimpath", "-race", "-msan", "-asan"} {
		if m[b] == "true" {
			flags = append(flags, b)
		}
	}
	for _, k := range []string{"-tags", "-gcflags", "-compiler"} {
		if v := m[k]; v != "" {
			flags = append(flags, k+"="+v)
		}
	}
	return flags
}

// BuildEnv returns the environment ("KEY=value") for the go command that
// builds a plugin the way info says the host was built: CGO_ENABLED,
// CGO_*FLAGS, GOOS, GOARCH and its level (GOAMD64, ...), GOEXPERIMENT.
// Settings the host's build info doesn't list are left out.
func BuildEnv(info *debug.BuildInfo) []string {
	if info == nil {
		return nil
	}
	m := settingMap(info)
	var env []string
	for _, k := range envSettings {
		if v, ok := m[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
