package hot_compiler_test

import (
	"context"
	"path/filepath"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	"github.com/hotbus/hotbus/hot/compiler/analysis"
)

// BenchmarkAnalyze loads and checks controllerbus's boilerplate package.
func BenchmarkAnalyze(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := analysis.Analyze(ctx, repoRoot, []string{boilerplatePkg}, analysis.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodegen runs Compiler.Codegen on the fixture: analysis, the
// overlay copy and the generated module, without go build.
func BenchmarkCodegen(b *testing.B) {
	dir := expandFixture(b, "fixture")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		CodegenDir: filepath.Join(dir, "codegen"),
		BinaryID:   "fixture",
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Codegen(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
