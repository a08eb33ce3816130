package codegen_test

import (
	"path/filepath"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/codegen"
)

// TestRewriteOutputOfAChild rewrites the output of a child executable's
// build, run in the user's module root: the files of the hot packages,
// named relative to it, become absolute; other lines stay.
func TestRewriteOutputOfAChild(t *testing.T) {
	root := filepath.FromSlash("/src/app")
	lib := filepath.FromSlash("/src/lib/greet")
	ctrl := filepath.Join(root, "ctrl")
	tree := &codegen.Tree{MainDir: root, MainPkg: "hotbus_child_0123"}
	pkgs := []*analysis.HotPackage{
		{ImportPath: "example.com/app", Dir: root},
		{ImportPath: "example.com/app/ctrl", Dir: ctrl},
		{ImportPath: "example.com/lib/greet", Dir: lib},
	}
	sep := string(filepath.Separator)
	in := "# example.com/app/ctrl\n" +
		"ctrl" + sep + "ctrl.go:5:2: undefined: x\n" +
		"." + sep + "ctrl" + sep + "other.go:1:1: y\n" +
		"." + sep + "root.go:2:3: z\n" +
		".." + sep + "lib" + sep + "greet" + sep + "greet.go:4:1: w\n" +
		"\tctrl/ is not at the start\n"
	want := "# example.com/app/ctrl\n" +
		filepath.Join(ctrl, "ctrl.go") + ":5:2: undefined: x\n" +
		filepath.Join(ctrl, "other.go") + ":1:1: y\n" +
		filepath.Join(root, "root.go") + ":2:3: z\n" +
		filepath.Join(lib, "greet.go") + ":4:1: w\n" +
		"\tctrl/ is not at the start\n"
	if got := tree.RewriteOutput(in, pkgs); got != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}
	if got := tree.MainPackage(); got != "./hotbus_child_0123" {
		t.Errorf("main package %q", got)
	}
}
