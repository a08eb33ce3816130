package hot_compiler_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// writeUserFile writes a file of the user's at dir/rel, a day and more
// old, as old as hotbus's pruning wants.
func writeUserFile(t *testing.T, dir, rel string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("the user's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-72 * time.Hour)
	for q := p; q != dir; q = filepath.Dir(q) {
		if err := os.Chtimes(q, old, old); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestUserFilesSurviveACodegenDirSetting builds with codegenDir ./gen
// beside the user's own gen-units/ and gen/my-notes/ (a day old, named
// like what hotbus once pruned), then edits a shared package so the next
// build drops a unit: every file of the user's survives, and hotbus's
// units live inside gen/, in a dir with its marker.
func TestUserFilesSurviveACodegenDirSetting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "fixture")
	user := []string{
		writeUserFile(t, dir, "gen-units/my-notes/keep.txt"),
		writeUserFile(t, dir, "gen-units/hotbus-0123456789ab/keep.txt"),
		writeUserFile(t, dir, "gen/my-notes/keep.txt"),
		writeUserFile(t, dir, "gen/hotbus-0123456789ab/keep.txt"),
	}
	t.Chdir(dir)
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: "./gen",
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := c.Build(ctx); err != nil {
		t.Fatal(err)
	}
	units, err := filepath.Glob(filepath.Join(dir, "gen", "units", "hotbus-*"))
	if err != nil || len(units) == 0 {
		t.Fatalf("no unit under gen/units: %v %v", units, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen", "units", ".hotbus-owned")); err != nil {
		t.Errorf("the units dir has no marker: %v", err)
	}
	greet := filepath.Join(dir, "lib", "greet", "greet.go")
	if err := os.WriteFile(greet, []byte("package greet\n\n// Hello returns a greeting.\nfunc Hello() string { return \"hello again\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(units[0]); err == nil {
		t.Errorf("the unit %s the second build dropped is still there", units[0])
	}
	for _, p := range user {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the user's file is gone: %v", err)
		}
	}
}

// TestAUsersUnitsDirIsRefused sets a codegen dir whose units/ holds a
// file of the user's: the build fails before writing anything there,
// naming the dir and what to do, and the file survives.
func TestAUsersUnitsDirIsRefused(t *testing.T) {
	dir := expandFixture(t, "fixture")
	keep := writeUserFile(t, dir, "gen/units/my-notes/keep.txt")
	c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
		WorkDir:    filepath.Join(dir, "app"),
		Packages:   []string{"./ctrl"},
		OutputDir:  filepath.Join(dir, "plugins"),
		CodegenDir: filepath.Join(dir, "gen"),
		BinaryID:   "fixture",
		Logger:     testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(context.Background())
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "gen", "units")) || !strings.Contains(err.Error(), "was not created by hotbus") {
		t.Fatalf("Build: %v, want an error naming the user's units dir", err)
	}
	t.Log(err)
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the user's file is gone: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "gen", "units"))
	if len(ents) != 1 || ents[0].Name() != "my-notes" {
		t.Errorf("hotbus wrote into the user's units dir: %v", ents)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "gen")); len(ents) != 1 {
		t.Errorf("the failed build left %v in the codegen dir", ents)
	}
}
