package hot_compiler_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// update rewrites the golden files: go test ./hot/compiler -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenSpec is the input of the codegen golden test: two packages named
// alike, given out of order.
var goldenSpec = hot_compiler.MainSpec{
	BinaryID:      "example-binary",
	BinaryVersion: "0.0.0",
	Factories: []hot_compiler.FactoryImport{
		{ImportPath: "hotbus-0123456789ab/example.com/other/controller", Name: "boilerplate_controller"},
		{ImportPath: "hotbus-0123456789ab/github.com/aperturerobotics/controllerbus/example/boilerplate/controller", Name: "boilerplate_controller"},
	},
}

func TestGenerateMainGolden(t *testing.T) {
	got, err := hot_compiler.GenerateMain(goldenSpec)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "plugin.go.golden"), got)

	again, err := hot_compiler.GenerateMain(goldenSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("GenerateMain is not deterministic")
	}
}

func TestMainGoModGolden(t *testing.T) {
	got, err := hot_compiler.MainGoMod("hotbus-0123456789ab/plugin", "1.26.8", []hot_compiler.ModReq{
		{Path: "example.com/lib", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "/src/lib"},
		{Path: "github.com/aperturerobotics/controllerbus", Version: "v0.53.4"},
		{Path: "github.com/hotbus/hotbus", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "/src/hotbus"},
		{Path: "github.com/sirupsen/logrus", Version: "v1.9.3", ReplacePath: "github.com/fork/logrus", ReplaceVersion: "v1.9.4"},
		{Path: "hotbus-0123456789ab/example.com/app", Version: "v0.0.0-00010101000000-000000000000", ReplacePath: "../modules/example.com/app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "go.mod.golden"), got)
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRewriteImportsKeepsEverythingElse(t *testing.T) {
	src := []byte(`// Package a doc.
package a

import (
	"fmt" // a comment

	b "example.com/m/b"
	"example.com/m/bb"
)

var _ = fmt.Sprint(b.X, bb.Y)
`)
	got, err := hot_compiler.RewriteImports("a.go", src, func(p string) (string, bool) {
		if p == "example.com/m/b" {
			return "hb-1/example.com/m/b", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(src, []byte(`"example.com/m/b"`), []byte(`"hb-1/example.com/m/b"`), 1)
	if !bytes.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
