package hot_compiler_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
)

func TestLinkErrorShowsOriginalNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := expandFixture(t, "fixture")
	broken := filepath.Join(dir, "app", "ctrl", "broken.go")
	// Compiles, but does not link: only the plugin build finds this.
	src := "package ctrl\n\nimport _ \"unsafe\"\n\n//go:linkname brokenLink example.com/lib/greet.missing\nfunc brokenLink() int64\n\nfunc init() { _ = brokenLink() }\n"
	if err := os.WriteFile(broken, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	codegen := filepath.Join(dir, "codegen")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:     filepath.Join(dir, "app"),
		Packages:    []string{"./ctrl"},
		OutputDir:   filepath.Join(dir, "plugins"),
		CodegenDir:  codegen,
		BinaryID:    "fixture",
		KeepCodegen: true,
		Logger:      testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Build(context.Background())
	var berr *hot_compiler.BuildError
	if !errors.As(err, &berr) {
		t.Fatalf("Build: %v (%+v), want *BuildError", err, res)
	}
	t.Log(berr)
	if strings.Contains(berr.Output, codegen) || strings.Contains(berr.Output, "hotbus-") || strings.Contains(berr.Output, "../modules/") {
		t.Errorf("compiler output names the overlay:\n%s", berr.Output)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "plugins")); len(ents) != 0 {
		t.Errorf("a failed build published %v", ents)
	}
	if trees, _ := filepath.Glob(filepath.Join(codegen, "build-*")); len(trees) != 1 {
		t.Errorf("KeepCodegen: the build tree was not kept: %v", trees)
	}
}

func TestTypeErrorShowsOriginalPaths(t *testing.T) {
	dir := expandFixture(t, "fixture")
	broken := filepath.Join(dir, "app", "ctrl", "broken.go")
	if err := os.WriteFile(broken, []byte("package ctrl\n\nvar _ int = \"not an int\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(context.Background())
	var aerr *analysis.AnalysisError
	if !errors.As(err, &aerr) {
		t.Fatalf("Build: %v, want *AnalysisError", err)
	}
	if len(aerr.Problems) == 0 || aerr.Problems[0].Kind != "type" || !strings.HasPrefix(aerr.Problems[0].Pos, broken+":3:") {
		t.Errorf("problems %+v, want a type error at %s:3", aerr.Problems, broken)
	}
}
