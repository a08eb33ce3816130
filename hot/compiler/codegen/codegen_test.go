package codegen_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// update rewrites the golden files: go test ./hot/compiler -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenSpec is the input of the codegen golden test: two packages named
// alike, given out of order.
var goldenSpec = codegen.MainSpec{
	BinaryID:      "example-binary",
	BinaryVersion: "0.0.0",
	Factories: []codegen.FactoryImport{
		{ImportPath: "hotbus-0123456789ab/example.com/other/controller", Name: "boilerplate_controller"},
		{ImportPath: "hotbus-0123456789ab/github.com/aperturerobotics/controllerbus/example/boilerplate/controller", Name: "boilerplate_controller"},
	},
}

func TestGenerateMainGolden(t *testing.T) {
	got, err := codegen.GenerateMain(goldenSpec)
	if err != nil {
		t.Fatal(err)
	}
	compilertest.CheckGolden(t, filepath.Join("testdata", "plugin.go.golden"), got, *update)

	again, err := codegen.GenerateMain(goldenSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("GenerateMain is not deterministic")
	}

	child := goldenSpec
	child.Child = true
	got, err = codegen.GenerateMain(child)
	if err != nil {
		t.Fatal(err)
	}
	compilertest.CheckGolden(t, filepath.Join("testdata", "child.go.golden"), got, *update)
}

// TestGenerateMainAliasesShadowNothing generates a main for hot packages
// named after every identifier the main uses, and checks that each
// package's alias appears exactly twice: in its import and in its
// NewFactory call. The same for a child executable's main, which uses
// hot_ipc, Serve and main besides.
func TestGenerateMainAliasesShadowNothing(t *testing.T) {
	t.Run("plugin", func(t *testing.T) { checkAliases(t, false, compilertest.GeneratedNames()) })
	t.Run("child", func(t *testing.T) {
		checkAliases(t, true, append(compilertest.GeneratedNames(), "hot_ipc", "Serve", "main"))
	})
}

// checkAliases generates a main (a child's with child) for hot packages
// named names and checks that each alias is used only by its package.
func checkAliases(t *testing.T, child bool, names []string) {
	t.Helper()
	spec := codegen.MainSpec{BinaryID: "names", BinaryVersion: "0.0.0", Child: child}
	for _, n := range names {
		spec.Factories = append(spec.Factories, codegen.FactoryImport{ImportPath: "hotbus-1/example.com/names/" + strings.ToLower(n) + "x", Name: n})
	}
	src, err := codegen.GenerateMain(spec)
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
	if aliases != len(names) {
		t.Errorf("%d hot packages imported with an alias, want %d:\n%s", aliases, len(names), src)
	}
}

// BenchmarkGenerateMain generates the plugin main of the golden test.
func BenchmarkGenerateMain(b *testing.B) {
	for b.Loop() {
		if _, err := codegen.GenerateMain(goldenSpec); err != nil {
			b.Fatal(err)
		}
	}
}
