package hostpins

import (
	"flag"
	"path/filepath"
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
