package codegen

import (
	"bytes"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/tools/go/packages"
)

func TestRewriteOutputMapsOverlayToOriginal(t *testing.T) {
	tree := &Tree{
		Prefix:  "hotbus-0123456789ab",
		MainDir: "/cg/hotbus-0123456789ab/plugin",
		Overlays: map[string]*Overlay{
			"example.com/app": {Path: "hotbus-0123456789ab/example.com/app", Orig: "example.com/app", Dir: "/cg/hotbus-0123456789ab/modules/example.com/app"},
		},
	}
	pkgs := []*analysis.HotPackage{{ImportPath: "example.com/app/ctrl", Dir: "/src/app/ctrl", Module: &packages.Module{Path: "example.com/app"}}}
	out := "# hotbus-0123456789ab/example.com/app/ctrl\n" +
		"../modules/example.com/app/ctrl/ctrl.go:3:5: undefined: x\n" +
		"/cg/hotbus-0123456789ab/modules/example.com/app/ctrl/a.go:4:1: syntax error\n" +
		"hotbus-0123456789ab/example.com/app/ctrl/b.go:5:2: trimmed path\n"
	got := tree.RewriteOutput(out, pkgs)
	want := "# example.com/app/ctrl\n" +
		"/src/app/ctrl/ctrl.go:3:5: undefined: x\n" +
		"/src/app/ctrl/a.go:4:1: syntax error\n" +
		"/src/app/ctrl/b.go:5:2: trimmed path\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
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
	got, cgo, err := rewriteImports("a.go", src, func(p string) (string, bool) {
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
	if cgo {
		t.Error("a file without import \"C\" reported as cgo")
	}
	if _, cgo, err := rewriteImports("c.go", []byte("package c\n\n// #include <stdio.h>\nimport \"C\"\n"), func(string) (string, bool) { return "", false }); err != nil || !cgo {
		t.Errorf("a file importing \"C\": cgo %v, err %v; want true, nil", cgo, err)
	}
}

// TestLineDirectiveNamesTheUsersFile: positions in a copy, as the compiler
// reads them, are the user's file's, with their lines and columns, build
// constraints still hold, and a byte order mark is dropped.
func TestLineDirectiveNamesTheUsersFile(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "src", "ctrl", "ctrl.go")
	src := "\uFEFF//go:build !never\n\npackage ctrl\n\nfunc F() {\n\tpanic(1)\n}\n"
	copied := withLineDirective(orig, []byte(src))
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "/codegen/copy/ctrl.go", copied, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse the copy: %v\n%s", err, copied)
	}
	call := f.Decls[0].(*ast.FuncDecl).Body.List[0]
	if got, want := fset.Position(call.Pos()).String(), orig+":6:2"; got != want {
		t.Errorf("position of the panic in the copy: %s, want %s", got, want)
	}
	if !constraint.IsGoBuild(f.Comments[0].List[1].Text) {
		t.Errorf("the copy's second comment is %q, want its //go:build line", f.Comments[0].List[1].Text)
	}
	if odd := "/src/x\ny.go"; !bytes.Equal(withLineDirective(odd, []byte(src)), []byte(src)) {
		t.Errorf("a path with a newline got a directive")
	}
}
