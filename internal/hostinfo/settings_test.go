package hostinfo

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// info returns build info with the settings "key=value".
func info(settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/host", Version: DevelVersion}}
	for _, kv := range settings {
		k, v, _ := strings.Cut(kv, "=")
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
	}
	return bi
}

// A plain go build on linux/amd64 records these.
var plain = []string{"-buildmode=exe", "-compiler=gc", "CGO_ENABLED=1", "CGO_CFLAGS=-O2 -g", "CGO_CPPFLAGS=",
	"CGO_CXXFLAGS=-O2 -g", "CGO_LDFLAGS=-O2 -g", "GOARCH=amd64", "GOOS=linux", "GOAMD64=v1"}

func TestTable(t *testing.T) {
	table := Settings()
	if !slices.IsSortedFunc(table, func(a, b Setting) int { return strings.Compare(a.Key, b.Key) }) {
		t.Error("the table is not sorted by key")
	}
	for _, s := range table {
		if s.Fix == "" || !strings.Contains(s.Fix, "build the plugin") {
			t.Errorf("%s: fix %q does not say how to build the plugin", s.Key, s.Fix)
		}
		if (s.Source == EnvVar) == strings.HasPrefix(s.Key, "-") {
			t.Errorf("%s: source %d does not match the key", s.Key, s.Source)
		}
		if s.Source == BoolFlag && s.Default != "false" {
			t.Errorf("%s: a boolean flag defaults to %q", s.Key, s.Default)
		}
	}
	table[0].Key = "changed"
	if Settings()[0].Key == "changed" {
		t.Error("Settings returns the table itself, not a copy")
	}
}

func TestFlagsAndEnv(t *testing.T) {
	cases := []struct {
		name     string
		settings []string
		extra    []string
		flags    []string
		env      []string
	}{
		{"plain", plain, nil, []string{"-pgo=off"},
			[]string{"CGO_CFLAGS=-O2 -g", "CGO_CPPFLAGS=", "CGO_CXXFLAGS=-O2 -g", "CGO_ENABLED=1", "CGO_LDFLAGS=-O2 -g", "GOAMD64=v1", "GOARCH=amd64", "GOOS=linux"}},
		{"plain with a tag", plain, []string{"-tags=extra"}, []string{"-pgo=off", "-tags=extra"}, nil},
		{"booleans", []string{"-trimpath=true", "-race=true", "-msan=false", "-asan=true"}, nil, []string{"-asan", "-pgo=off", "-race", "-trimpath"}, nil},
		{"values", []string{"-gcflags=all=-N -l", "-asmflags=-spectre=all", "-compiler=gc", "-tags=a,b"}, nil,
			[]string{"-asmflags=-spectre=all", "-gcflags=all=-N -l", "-pgo=off", "-tags=a,b"}, nil},
		{"other compiler", []string{"-compiler=gccgo"}, nil, []string{"-compiler=gccgo", "-pgo=off"}, nil},
		{"extra tags first, each once", []string{"-tags=netgo,extra"}, []string{"-tags=mine,extra"}, []string{"-pgo=off", "-tags=mine,extra,netgo"}, nil},
		{"not the settings of the table", []string{"-buildmode=exe", "vcs.revision=abc", "DefaultGODEBUG=x=1"}, nil, []string{"-pgo=off"}, nil},
		{"the host's link flags", []string{"-ldflags=-X main.v=1"}, nil, []string{"-ldflags=-X main.v=1", "-pgo=off"}, nil},
		{"link flags combined", []string{"-ldflags=-X main.v=1", "-trimpath=false"}, []string{"-ldflags=-w"}, []string{"-ldflags=-X main.v=1 -w", "-pgo=off"}, nil},
		{"other extra flags last", []string{"-race=true", "-tags=a"}, []string{"-buildmode=plugin", "-tags=gen", "-ldflags=-w"},
			[]string{"-ldflags=-w", "-pgo=off", "-race", "-tags=gen,a", "-buildmode=plugin"}, nil},
		{"architecture levels and experiments", []string{"GOARCH=arm64", "GOARM64=v8.1", "GOEXPERIMENT=jsonv2", "GOFIPS140=latest"}, nil, []string{"-pgo=off"},
			[]string{"GOARCH=arm64", "GOARM64=v8.1", "GOEXPERIMENT=jsonv2", "GOFIPS140=latest"}},
		{"trimpath records no cgo flags", []string{"-trimpath=true", "CGO_ENABLED=1", "GOARCH=amd64"}, nil, []string{"-pgo=off", "-trimpath"},
			[]string{"CGO_ENABLED=1", "GOARCH=amd64"}},
		// go build's -pgo=auto records the absolute path of the main
		// package's default.pgo; -trimpath builds record its name only.
		{"a PGO profile", []string{"-pgo=/src/host/cmd/host/default.pgo"}, nil, []string{"-pgo=/src/host/cmd/host/default.pgo"}, nil},
		{"a PGO profile, trimmed", []string{"-pgo=default.pgo", "-trimpath=true"}, nil, []string{"-pgo=default.pgo", "-trimpath"}, nil},
		// Only -cover=true is recorded: the go command's default
		// coverage, the main module's packages, is mirrored.
		{"cover", []string{"-cover=true"}, []string{"-buildmode=plugin"}, []string{"-cover", "-coverpkg=example.com/host/...", "-pgo=off", "-buildmode=plugin"}, nil},
		{"cover false", []string{"-cover=false"}, nil, []string{"-pgo=off"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bi := info(c.settings...)
			if got := Flags(bi, c.extra...); !slices.Equal(got, c.flags) {
				t.Errorf("Flags = %q, want %q", got, c.flags)
			}
			if c.env == nil {
				return
			}
			if got := Env(bi); !slices.Equal(got, c.env) {
				t.Errorf("Env = %q, want %q", got, c.env)
			}
		})
	}
}

func TestCoverPackages(t *testing.T) {
	for _, c := range []struct {
		path, main, want string
	}{
		{"example.com/host/cmd/host", "example.com/host", "example.com/host/..."},
		// go test -cover instruments the package under test only.
		{"example.com/host/pkg.test", "example.com/host", "example.com/host/pkg"},
		{"", "", ""},
	} {
		bi := &debug.BuildInfo{Path: c.path, Main: debug.Module{Path: c.main}}
		if got := CoverPackages(bi); got != c.want {
			t.Errorf("CoverPackages(path %q, main %q) = %q, want %q", c.path, c.main, got, c.want)
		}
	}
}

func TestLinkFlags(t *testing.T) {
	cases := []struct {
		host  string
		extra []string
		want  string
	}{
		{"", nil, ""},
		{"", []string{"-w"}, "-w"},
		{"-s -w", nil, "-s -w"},
		{"-X main.version=1.2.3", []string{"-w"}, "-X main.version=1.2.3 -w"},
		{`-X "main.greeting=hello world" -s`, []string{"-w"}, `-X "main.greeting=hello world" -s -w`},
		// The host's "-w=false" is overridden: the last flag wins.
		{"-w=false", []string{"-w"}, "-w=false -w"},
		{"all=-X example.com/v.V=1", []string{"-w"}, "-X example.com/v.V=1 -w"},
		// Flags for the host's own main package only.
		{"./cmd/host=-X main.v=1", []string{"-w"}, "-w"},
		{"example.com/host=-s", nil, ""},
		{"  -s  ", []string{"-w", "-X a.b=c"}, "-s -w -X a.b=c"},
	}
	for _, c := range cases {
		if got := LinkFlags(c.host, c.extra...); got != c.want {
			t.Errorf("LinkFlags(%q, %q) = %q, want %q", c.host, c.extra, got, c.want)
		}
	}
}

func TestEnvKeys(t *testing.T) {
	keys := EnvKeys()
	for _, k := range []string{"CGO_ENABLED", "CGO_CFLAGS", "GOOS", "GOARCH", "GOAMD64", "GOEXPERIMENT"} {
		if !slices.Contains(keys, k) {
			t.Errorf("EnvKeys lacks %s", k)
		}
	}
	for _, kv := range Env(info(plain...)) {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(keys, k) {
			t.Errorf("Env sets %s, which EnvKeys lacks", k)
		}
	}
}

func TestValue(t *testing.T) {
	bi := info("-trimpath=true", "-tags=", "GOAMD64=v3")
	for key, want := range map[string]string{
		"-trimpath": "true", "-race": "false", "-compiler": "gc", "-tags": "", "GOAMD64": "v3", "GOEXPERIMENT": "", "not-a-setting": "", "-pgo": "off", "-cover": "false",
	} {
		if got := Value(bi, key); got != want {
			t.Errorf("Value(%s) = %q, want %q", key, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		name         string
		host, plugin []string
		ignore       []string
		want         []string // "key|host|plugin"
	}{
		{"same", plain, plain, nil, nil},
		{"defaults equal unset", []string{"-trimpath=false", "-compiler=gc"}, nil, nil, nil},
		{"trimpath", nil, []string{"-trimpath=true"}, nil, []string{"-trimpath|false|true"}},
		{"several, in table order", []string{"GOAMD64=v1", "-race=true"}, []string{"GOAMD64=v3"}, nil,
			[]string{"-race|true|false", "GOAMD64|v1|v3"}},
		{"asmflags", []string{"-asmflags=-spectre=all"}, nil, nil, []string{"-asmflags|-spectre=all|"}},
		{"compiler", []string{"-compiler=gccgo"}, []string{"-compiler=gc"}, nil, []string{"-compiler|gccgo|gc"}},
		{"cgo flags both recorded", []string{"CGO_LDFLAGS=-O2 -g"}, []string{"CGO_LDFLAGS=-O2"}, nil, []string{"CGO_LDFLAGS|-O2 -g|-O2"}},
		{"cgo flags recorded by one", []string{"CGO_LDFLAGS=-O2 -g"}, nil, nil, nil},
		{"tags in another order", []string{"-tags=a,b"}, []string{"-tags=b,a"}, nil, nil},
		{"ignored tag", []string{"-tags=a"}, []string{"-tags=gen,a"}, []string{"gen"}, nil},
		{"ignored tag only", nil, []string{"-tags=gen"}, []string{"gen"}, nil},
		{"missing tag, ignored one aside", []string{"-tags=a"}, []string{"-tags=gen"}, []string{"gen"}, []string{"-tags|a|"}},
		{"not in the table", []string{"vcs.revision=1"}, []string{"-buildmode=plugin"}, nil, nil},
		{"PGO profile", []string{"-pgo=/src/default.pgo"}, nil, nil, []string{"-pgo|/src/default.pgo|off"}},
		{"PGO profiles at two paths", []string{"-pgo=/src/default.pgo"}, []string{"-pgo=/tmp/default.pgo"}, nil, []string{"-pgo|/src/default.pgo|/tmp/default.pgo"}},
		{"cover", []string{"-cover=true"}, nil, nil, []string{"-cover|true|false"}},
		{"link flags never differ", []string{"-ldflags=-X main.v=1"}, []string{"-ldflags=-w"}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, d := range Diff(info(c.host...), info(c.plugin...), c.ignore...) {
				got = append(got, d.Key+"|"+d.Host+"|"+d.Plugin)
				if d.Fix == "" {
					t.Errorf("%s: no fix", d.Key)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
