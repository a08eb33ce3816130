package codegen

import (
	"bytes"
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
	got, err := rewriteImports("a.go", src, func(p string) (string, bool) {
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
