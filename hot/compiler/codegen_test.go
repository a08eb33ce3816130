package hot_compiler_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
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
	got, err := hostpins.MainGoMod("hotbus-0123456789ab/plugin", "1.26.8", []hostpins.ModReq{
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

// generatedNames are the identifiers the generated plugin main uses; the
// names fixture has a hot package named after each.
var generatedNames = []string{
	"b", "bus", "controller", "hot_plugin", "BinaryID", "BinaryVersion", "BinaryFactories",
	"Plugin", "NewPlugin", "ControllerBusHotPlugin", "nil", "init", "NewFactory",
	"Bus", "Factory", "StaticPlugin", "NewStaticPlugin", "HotPlugin",
}

// TestGenerateMainAliasesShadowNothing generates a main for hot packages
// named after every identifier the main uses, and checks that each
// package's alias appears exactly twice: in its import and in its
// NewFactory call.
func TestGenerateMainAliasesShadowNothing(t *testing.T) {
	spec := hot_compiler.MainSpec{BinaryID: "names", BinaryVersion: "0.0.0"}
	for _, n := range generatedNames {
		spec.Factories = append(spec.Factories, hot_compiler.FactoryImport{ImportPath: "hotbus-1/example.com/names/" + strings.ToLower(n) + "x", Name: n})
	}
	src, err := hot_compiler.GenerateMain(spec)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "plugin.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			uses[id.Name]++
		}
		return true
	})
	aliases := 0
	for _, imp := range f.Imports {
		if imp.Name == nil {
			continue
		}
		path, _ := strconv.Unquote(imp.Path.Value)
		if !strings.HasPrefix(path, "hotbus-1/") {
			continue
		}
		aliases++
		if n := uses[imp.Name.Name]; n != 2 {
			t.Errorf("package %s is imported as %s, a name used %d times in the main, want 2 (import and NewFactory call)", path, imp.Name.Name, n)
		}
	}
	if aliases != len(generatedNames) {
		t.Errorf("%d hot packages imported with an alias, want %d:\n%s", aliases, len(generatedNames), src)
	}
}
