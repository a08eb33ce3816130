package hostpins

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// update rewrites the golden files in testdata.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMainGoModGolden(t *testing.T) {
	got, err := MainGoMod("hotbus-0123456789ab/plugin", "1.26.8", []ModReq{
		{Path: "example.com/lib", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "/src/lib"},
		{Path: "github.com/aperturerobotics/controllerbus", Version: "v0.53.4"},
		{Path: "github.com/hotbus/hotbus", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "/src/hotbus"},
		{Path: "github.com/sirupsen/logrus", Version: "v1.9.3", ReplacePath: "github.com/fork/logrus", ReplaceVersion: "v1.9.4"},
		{Path: "hotbus-0123456789ab/example.com/app", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "../modules/example.com/app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	compilertest.CheckGolden(t, filepath.Join("testdata", "go.mod.golden"), got, *update)
}

// TestWorkspaceFiles proves how a workspace build splits the
// requirements: Devel modules become workspace modules (use), other
// replacements move to go.work, relative ones made relative to it, and
// the go.mod keeps every other requirement without replacements.
func TestWorkspaceFiles(t *testing.T) {
	gomod, gowork, err := WorkspaceFiles("hotbus-0123456789ab/plugin", "plugin", "1.26.8", []ModReq{
		{Path: "example.com/host", Version: ZeroPseudo, ReplacePath: "/src/host", Devel: true},
		{Path: "github.com/sirupsen/logrus", Version: "v1.9.3", ReplacePath: "github.com/fork/logrus", ReplaceVersion: "v1.9.4"},
		{Path: "hotbus-0123456789ab/example.com/app", Version: ZeroPseudo, ReplacePath: "../modules/example.com/app"},
		{Path: "github.com/aperturerobotics/controllerbus", Version: "v0.53.4"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantWork := `go 1.26.8

use (
	./plugin
	/src/host
)

replace github.com/sirupsen/logrus => github.com/fork/logrus v1.9.4

replace hotbus-0123456789ab/example.com/app => ./modules/example.com/app
`
	if string(gowork) != wantWork {
		t.Errorf("go.work:\n%s\nwant:\n%s", gowork, wantWork)
	}
	for _, want := range []string{
		"module hotbus-0123456789ab/plugin\n", "github.com/sirupsen/logrus v1.9.3\n",
		"hotbus-0123456789ab/example.com/app v0.0.0-00010101000000-000000000000\n", "github.com/aperturerobotics/controllerbus v0.53.4\n",
	} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	for _, notWant := range []string{"example.com/host", "replace"} {
		if strings.Contains(string(gomod), notWant) {
			t.Errorf("go.mod of a workspace build has %q, which go.work holds:\n%s", notWant, gomod)
		}
	}
}
