package analysis

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
	"golang.org/x/tools/go/packages"
)

// reuseFixture is a hot package as the analysis saw it.
const reuseFixture = `package ctrl

import "example.com/app/lib"

// ConfigID is the config ID.
const ConfigID = ControllerID

// ControllerID is the controller ID.
const ControllerID = "app/ctrl"

// Generation changes at every edit.
const Generation = 1

func NewFactory(b bus.Bus) *Factory { return lib.New(b) }
`

// TestAnalysisIsReusedOnlyForEditsItDoesNotSee proves which edits skip
// go/packages: body and constant edits do; edits to imports, NewFactory's
// signature, ConfigID, the file set and go.mod don't.
func TestAnalysisIsReusedOnlyForEditsItDoesNotSee(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, dir string)
		reuse bool
	}{
		{"same content saved again", func(t *testing.T, dir string) { compilertest.Write(t, dir, "ctrl.go", reuseFixture) }, true},
		{"a constant", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, "Generation = 1", "Generation = 2", 1))
		}, true},
		{"a function body", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, "return lib.New(b)", "return lib.New(b) /* new */", 1))
		}, true},
		{"a compile error in a body", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, "return lib.New(b)", "return undefinedName", 1))
		}, true},
		{"an import", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, `import "example.com/app/lib"`, `import "example.com/app/lib2"`, 1))
		}, false},
		{"NewFactory's signature", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, "(b bus.Bus) *Factory", "(b bus.Bus) Factory", 1))
		}, false},
		{"the constant ConfigID names", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", strings.Replace(reuseFixture, `"app/ctrl"`, `"app/other"`, 1))
		}, false},
		{"a build constraint", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", "//go:build linux\n\n"+reuseFixture)
		}, false},
		{"a syntax error", func(t *testing.T, dir string) {
			compilertest.Write(t, dir, "ctrl.go", reuseFixture+"func {")
		}, false},
		{"a new file", func(t *testing.T, dir string) { compilertest.Write(t, dir, "more.go", "package ctrl\n") }, false},
		{"a new C file", func(t *testing.T, dir string) { compilertest.Write(t, dir, "add.c", "int add(void) { return 1; }\n") }, false},
		{"a file no build reads", func(t *testing.T, dir string) { compilertest.Write(t, dir, "NOTES.md", "notes\n") }, true},
		{"go.mod", func(t *testing.T, dir string) {
			compilertest.Write(t, filepath.Dir(dir), "go.mod", "module example.com/app\n\ngo 1.25\n\nrequire example.com/x v1.0.0\n")
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "ctrl")
			compilertest.Write(t, root, "go.mod", "module example.com/app\n\ngo 1.25\n")
			compilertest.Write(t, dir, "ctrl.go", reuseFixture)
			a := &Analysis{Packages: []*HotPackage{{
				ImportPath: "example.com/app/ctrl", Name: "ctrl", Dir: dir,
				Module:   &packages.Module{Path: "example.com/app", GoMod: filepath.Join(root, "go.mod")},
				Files:    []string{filepath.Join(dir, "ctrl.go")},
				ConfigID: "app/ctrl",
			}}}
			watch := WatchFiles(a)
			r := NewRecord(a, watch, StatFiles(watch))
			if r == nil {
				t.Fatal("nothing recorded")
			}
			tc.edit(t, dir)
			got, ok := r.Reuse()
			if ok != tc.reuse {
				t.Fatalf("reuse = %v, want %v", ok, tc.reuse)
			}
			if ok && got != a {
				t.Fatal("reuse returned another analysis")
			}
		})
	}
}

// TestNothingRecordedForAFileChangedDuringTheAnalysis proves that an
// analysis that may have seen older content is not reused.
func TestNothingRecordedForAFileChangedDuringTheAnalysis(t *testing.T) {
	dir := t.TempDir()
	compilertest.Write(t, dir, "ctrl.go", reuseFixture)
	a := &Analysis{Packages: []*HotPackage{{
		ImportPath: "example.com/app/ctrl", Name: "ctrl", Dir: dir,
		Module: &packages.Module{Path: "example.com/app"}, Files: []string{filepath.Join(dir, "ctrl.go")},
	}}}
	watch := WatchFiles(a)
	pre := StatFiles(watch)
	compilertest.Write(t, dir, "ctrl.go", reuseFixture+"\n// more\n")
	if r := NewRecord(a, watch, pre); r != nil {
		t.Fatal("recorded an analysis whose files changed while it ran")
	}
	if r := NewRecord(a, watch, nil); r != nil {
		t.Fatal("recorded an analysis with no stamps from before it")
	}
}

// TestEmbeddedFileEditsAndReuse proves that an edit to an embedded file's
// content reuses the analysis (the build reads the file as it is), while
// a file added where an embed pattern or a cgo build could pick it up
// does not.
func TestEmbeddedFileEditsAndReuse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, dir string)
		reuse bool
	}{
		{"the embedded file's content", func(t *testing.T, dir string) { compilertest.Write(t, dir, "message.txt", "goodbye\n") }, true},
		{"a file the package does not use, in an embedded file's directory", func(t *testing.T, dir string) {
			compilertest.Write(t, filepath.Join(dir, "static"), "new.css", "p {}\n")
		}, false},
		{"a new directory in an embedded file's directory", func(t *testing.T, dir string) {
			compilertest.Write(t, filepath.Join(dir, "static", "img"), "logo.svg", "<svg/>\n")
		}, false},
		{"a C file in the package directory", func(t *testing.T, dir string) { compilertest.Write(t, dir, "add.c", "int add(void) { return 1; }\n") }, false},
		{"a hidden file", func(t *testing.T, dir string) {
			compilertest.Write(t, filepath.Join(dir, "static"), ".new.css.swp", "x")
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "ctrl")
			compilertest.Write(t, root, "go.mod", "module example.com/app\n\ngo 1.25\n")
			compilertest.Write(t, dir, "ctrl.go", reuseFixture)
			compilertest.Write(t, dir, "message.txt", "hello\n")
			compilertest.Write(t, filepath.Join(dir, "static"), "site.css", "body {}\n")
			a := &Analysis{Packages: []*HotPackage{{
				ImportPath: "example.com/app/ctrl", Name: "ctrl", Dir: dir,
				Module: &packages.Module{Path: "example.com/app", GoMod: filepath.Join(root, "go.mod")},
				Files: []string{
					filepath.Join(dir, "ctrl.go"), filepath.Join(dir, "message.txt"),
					filepath.Join(dir, "static", "site.css"),
				},
				ConfigID: "app/ctrl",
			}}}
			watch := WatchFiles(a)
			r := NewRecord(a, watch, StatFiles(watch))
			if r == nil {
				t.Fatal("nothing recorded")
			}
			tc.edit(t, dir)
			if _, ok := r.Reuse(); ok != tc.reuse {
				t.Fatalf("reuse = %v, want %v", ok, tc.reuse)
			}
		})
	}
}
