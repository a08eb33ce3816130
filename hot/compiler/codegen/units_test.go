package codegen

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	"golang.org/x/tools/go/packages"
)

// unitsFixture is a module with hot packages a, b and c, where a imports
// b, and optionally an internal package that c imports.
func unitsFixture(t *testing.T, withInternal bool) (*analysis.Analysis, string) {
	t.Helper()
	root := t.TempDir()
	compilertest.Write(t, root, "go.mod", "module example.com/m\n\ngo 1.25\n")
	mod := &packages.Module{Path: "example.com/m", Dir: root, GoMod: filepath.Join(root, "go.mod"), Main: true}
	a := &analysis.Analysis{Modules: map[string]*packages.Module{"example.com/m": mod}, Deps: map[string]*packages.Package{}}
	add := func(name string, imports ...string) *analysis.HotPackage {
		dir := filepath.Join(root, filepath.FromSlash(name))
		compilertest.Write(t, dir, "x.go", "package "+filepath.Base(name)+"\n")
		ip := "example.com/m/" + name
		dp := &packages.Package{PkgPath: ip, Module: mod, Imports: map[string]*packages.Package{}}
		for _, imp := range imports {
			dp.Imports[imp] = a.Deps[imp]
		}
		a.Deps[ip] = dp
		return &analysis.HotPackage{ImportPath: ip, Name: filepath.Base(name), Dir: dir, Module: mod, Files: []string{filepath.Join(dir, "x.go")}}
	}
	b := add("b")
	a.Packages = append(a.Packages, add("a", "example.com/m/b"), b)
	if withInternal {
		a.Support = append(a.Support, add("internal/i"))
		a.Packages = append(a.Packages, add("c", "example.com/m/internal/i"))
	} else {
		a.Packages = append(a.Packages, add("c"))
	}
	return a, root
}

// TestAnEditChangesTheUnitsOfThePackageAndItsImporters proves that only
// the edited package and the packages importing it get a new import path.
func TestAnEditChangesTheUnitsOfThePackageAndItsImporters(t *testing.T) {
	a, root := unitsFixture(t, false)
	in := HashInputs{GoVersion: "go1.26.8"}
	before, err := PlanUnits(in, a, "/units", "hotbus")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 3 {
		t.Fatalf("units %v, want a, b and c", before)
	}
	compilertest.Write(t, filepath.Join(root, "b"), "x.go", "package b\n\nconst X = 1\n")
	after, err := PlanUnits(in, a, "/units", "hotbus")
	if err != nil {
		t.Fatal(err)
	}
	for ip, changed := range map[string]bool{"example.com/m/a": true, "example.com/m/b": true, "example.com/m/c": false} {
		if got := before[ip].Path != after[ip].Path; got != changed {
			t.Errorf("%s: import path changed = %v, want %v (%s, %s)", ip, got, changed, before[ip].Path, after[ip].Path)
		}
	}
	if want := filepath.Join("/units", after["example.com/m/c"].Prefix, "example.com/m/c"); after["example.com/m/c"].Dir != want {
		t.Errorf("unit dir %s, want %s", after["example.com/m/c"].Dir, want)
	}
}

// TestModulesWithInternalPackagesAreNotUnits proves that the packages of
// a module with a copied internal package keep the per-build prefix: an
// internal package can only be imported from its module's tree.
func TestModulesWithInternalPackagesAreNotUnits(t *testing.T) {
	a, _ := unitsFixture(t, true)
	units, err := PlanUnits(HashInputs{GoVersion: "go1.26.8"}, a, "/units", "hotbus")
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 0 {
		t.Fatalf("units %v, want none", units)
	}
}

// TestUnitsUnusedForADayArePruned proves that stale units of other
// processes go, and units in use or recent stay, as do entries of the
// units dir that hotbus did not name.
func TestUnitsUnusedForADayArePruned(t *testing.T) {
	root := filepath.Join(t.TempDir(), "units")
	if err := owned.Ensure(root, "units dir"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * unitMaxAge)
	names := []string{"hotbus-0000000000aa", "hotbus-0000000000bb", "hotbus-0000000000cc", "my-notes", "hotbus-notahash"}
	for _, name := range names {
		compilertest.Write(t, filepath.Join(root, name, "example.com", "m"), "go.mod", "module "+name+"/example.com/m\n")
		if name != "hotbus-0000000000cc" {
			if err := os.Chtimes(filepath.Join(root, name), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	PruneUnits(root, map[string]bool{filepath.Join(root, "hotbus-0000000000bb", "example.com", "m"): true})
	for name, want := range map[string]bool{
		"hotbus-0000000000aa": false, // old, unused
		"hotbus-0000000000bb": true,  // in use
		"hotbus-0000000000cc": true,  // recent
		"my-notes":            true,  // not a name hotbus makes
		"hotbus-notahash":     true,
		owned.Marker:          true,
	} {
		if _, err := os.Stat(filepath.Join(root, name)); (err == nil) != want {
			t.Errorf("%s kept = %v, want %v", name, err == nil, want)
		}
	}
}

// TestAnUnmarkedUnitsDirIsNeverPruned proves that a directory without
// hotbus's marker loses nothing, even entries named like units, old and
// unused, and even when named in a RemoveUnits call.
func TestAnUnmarkedUnitsDirIsNeverPruned(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-2 * unitMaxAge)
	for _, name := range []string{"hotbus-0000000000aa", "my-notes"} {
		compilertest.Write(t, filepath.Join(root, name), "keep.txt", "the user's\n")
		if err := os.Chtimes(filepath.Join(root, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	PruneUnits(root, nil)
	RemoveUnits(root, map[string]bool{filepath.Join(root, "hotbus-0000000000aa"): true}, nil)
	for _, name := range []string{"hotbus-0000000000aa", "my-notes"} {
		if _, err := os.Stat(filepath.Join(root, name, "keep.txt")); err != nil {
			t.Errorf("the user's file was removed: %v", err)
		}
	}
}
