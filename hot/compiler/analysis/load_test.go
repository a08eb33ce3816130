package analysis

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestAnalyzeCompilesOnlyTheImports proves that the analysis compiles
// the export data of the hot packages' imports but not the hot packages
// themselves (the build compiles them, at their prefixed paths), and
// that a hot package importing another is checked against the other's
// source: after Analyze of ./p and ./q (p imports q and lib) in a fresh
// build cache, lib is cached and p and q are not.
func TestAnalyzeCompilesOnlyTheImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	mod := t.TempDir()
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n\ngo 1.25\n")
	compilertest.Write(t, filepath.Join(mod, "lib"), "lib.go", "package lib\n\n// N is a number.\nconst N = 2\n")
	compilertest.Write(t, filepath.Join(mod, "q"), "q.go", "package q\n\n// Q is a number.\nvar Q = 40\n")
	compilertest.Write(t, filepath.Join(mod, "p"), "p.go",
		"package p\n\nimport (\n\t\"example.com/m/lib\"\n\t\"example.com/m/q\"\n)\n\nconst ConfigID = \"example/p\"\n\nvar X int = q.Q + lib.N\n")
	env := []string{"GOCACHE=" + t.TempDir(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}

	_, err := Analyze(context.Background(), mod, []string{"./p", "./q"}, Options{Env: env})
	var ae *AnalysisError
	if !errors.As(err, &ae) {
		t.Fatalf("Analyze = %v, want the factory problems of two packages without NewFactory", err)
	}
	for _, p := range ae.Problems {
		if p.Kind != "factory" {
			t.Errorf("problem %v, want only factory problems (q's types come from its source)", p)
		}
	}

	// go list -x -export prints a compile command for each package it
	// does not find in the cache.
	cmd := exec.Command("go", "list", "-x", "-export", "-deps", "-test=false", "-pgo=off", "./p")
	cmd.Dir, cmd.Env = mod, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -x -export: %v\n%s", err, out)
	}
	compiled := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.Contains(l, "/compile ") {
			continue
		}
		for _, pkg := range []string{"example.com/m/p", "example.com/m/q", "example.com/m/lib"} {
			if strings.Contains(l, " -p "+pkg+" ") {
				compiled[pkg] = true
			}
		}
	}
	if compiled["example.com/m/lib"] {
		t.Errorf("lib was not in the cache after the analysis: its export data was not compiled by it")
	}
	if !compiled["example.com/m/p"] || !compiled["example.com/m/q"] {
		t.Errorf("compiled after the analysis: %v, want p and q (the analysis compiles no hot package):\n%s", compiled, out)
	}
}

// TestAnalyzeReportsAnImportThatDoesNotCompile proves that a dependency
// of a hot package that does not compile is reported first, with the
// compiler's output at absolute paths, rather than only as the hot
// package's "could not import".
func TestAnalyzeReportsAnImportThatDoesNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	mod := t.TempDir()
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n\ngo 1.25\n")
	compilertest.Write(t, filepath.Join(mod, "lib"), "lib.go", "package lib\n\n// N is a number.\nvar N int = \"not an int\"\n")
	compilertest.Write(t, filepath.Join(mod, "mid"), "mid.go", "package mid\n\nimport \"example.com/m/lib\"\n\n// M is a number.\nvar M = lib.N\n")
	compilertest.Write(t, filepath.Join(mod, "p"), "p.go", "package p\n\nimport \"example.com/m/mid\"\n\nvar X = mid.M\n")

	_, err := Analyze(context.Background(), mod, []string{"./p"}, Options{Env: []string{"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local"}})
	var ae *AnalysisError
	if !errors.As(err, &ae) || len(ae.Problems) == 0 {
		t.Fatalf("Analyze = %v, want an *AnalysisError", err)
	}
	first := ae.Problems[0]
	at := filepath.Join(mod, "lib", "lib.go") + ":4:"
	if first.Kind != "compile" || first.Package != "example.com/m/lib" || !strings.Contains(first.Msg, at) {
		t.Errorf("first problem %v, want lib's compile error at %s", first, at)
	}
}
