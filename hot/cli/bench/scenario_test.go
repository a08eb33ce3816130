package hot_cli_bench

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// repoRoot is the hotbus repository, seen from this package.
var repoRoot = filepath.Join("..", "..", "..")

// TestScenarioModules writes every kind of scenario's temp module and
// checks that its Go files parse, that its packages hold the files the
// scenario says, that the edit rewrites the edited line, and that the
// service scenario requires what its host imports.
func TestScenarioModules(t *testing.T) {
	tmpl, err := readTemplates(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		pkgs     int
		pkgFiles int
	}{
		{"demo", 1, 3},
		{"service", 1, 3},
		{"syn3", 3, 3},
		{"wide10", 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newScenario(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := s.write(dir, tmpl); err != nil {
				t.Fatal(err)
			}
			if len(s.pkgs) != tc.pkgs {
				t.Errorf("%d packages, want %d", len(s.pkgs), tc.pkgs)
			}
			pkgName := map[string]string{}
			err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
					return err
				}
				f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(dir, filepath.Dir(path))
				if have, ok := pkgName[rel]; ok && have != f.Name.Name {
					t.Errorf("%s: package %s, others in the directory are %s", path, f.Name.Name, have)
				}
				pkgName[rel] = f.Name.Name
				if _, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.AllErrors); err != nil {
					t.Errorf("generated file does not parse: %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range s.pkgs {
				files, _ := filepath.Glob(filepath.Join(dir, p.dir, "*.go"))
				if len(files) != tc.pkgFiles {
					t.Errorf("package %s has %d files, want %d", p.dir, len(files), tc.pkgFiles)
				}
			}
			for _, main := range []string{"floor", "host"} {
				if pkgName[main] != "main" {
					t.Errorf("%s/ is package %q, want main", main, pkgName[main])
				}
			}

			if s.kind == kindSyn {
				// p00 of syn1 and of syn20 must differ: hotbus gives a
				// package's copy an import path from its sources.
				src, err := os.ReadFile(s.editFile())
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("const Scenario = %q", s.name); !strings.Contains(string(src), want) {
					t.Errorf("%s lacks %s", s.editFile(), want)
				}
			}

			if err := s.edit(7); err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(s.editFile())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(src), s.editLine(7)) {
				t.Errorf("after edit(7), %s lacks %q", s.editFile(), s.editLine(7))
			}

			data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			mf, err := modfile.Parse("go.mod", data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if mf.Module.Mod.Path != benchModule {
				t.Errorf("module %s, want %s", mf.Module.Mod.Path, benchModule)
			}
			requires := map[string]bool{}
			for _, r := range mf.Require {
				requires[r.Mod.Path] = true
			}
			wantGRPC := tc.name == "service"
			if requires["google.golang.org/grpc"] != wantGRPC {
				t.Errorf("go.mod requires gRPC: %v, want %v:\n%s", requires["google.golang.org/grpc"], wantGRPC, data)
			}
		})
	}
}

// TestScenarioNames checks which scenario names the bench accepts.
func TestScenarioNames(t *testing.T) {
	for name, want := range map[string]string{"demo": "demo", "service": "service", "syn1": "syn1", "syn100": "syn100", "wide50": "wide50"} {
		s, err := newScenario(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.name != want {
			t.Errorf("%s: scenario %s", name, s.name)
		}
	}
	for _, name := range []string{"", "syn", "syn0", "synx", "wide2", "wide", "other"} {
		if _, err := newScenario(name); err == nil || !strings.Contains(err.Error(), "want demo, service, synN") {
			t.Errorf("%q: error %v, want one that lists the scenarios", name, err)
		}
	}
}
