package hot_compiler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	"github.com/sirupsen/logrus"
)

// TestUnitsInUseByAnotherBuildAreKept proves that a build does not remove
// its old units while another build (here, a shared lock of the units
// dir, as a build of another process holds) may be using them, and
// removes them after a later build once nobody holds the dir.
func TestUnitsInUseByAnotherBuildAreKept(t *testing.T) {
	root := filepath.Join(t.TempDir(), "units")
	if err := owned.Ensure(root, "units dir"); err != nil {
		t.Fatal(err)
	}
	oldUnit := filepath.Join(root, "hotbus-0000000000aa", "example.com", "m")
	newUnit := filepath.Join(root, "hotbus-0000000000bb", "example.com", "m")
	compilertest.Write(t, oldUnit, "go.mod", "module hotbus-0000000000aa/example.com/m\n")
	compilertest.Write(t, newUnit, "go.mod", "module hotbus-0000000000bb/example.com/m\n")
	c := &Compiler{le: logrus.NewEntry(logrus.New()), units: map[string]bool{oldUnit: true}, pruned: true}
	tree := &codegen.Tree{Units: map[string]*codegen.Overlay{"example.com/m": {Dir: newUnit}}}

	other, err := codegen.LockUnits(root, false, true)
	if err != nil {
		t.Fatal(err)
	}
	c.dropUnits(root, tree, func() {})
	if _, err := os.Stat(oldUnit); err != nil {
		t.Fatalf("a unit another build may use was removed: %v", err)
	}
	other.Unlock()
	c.dropUnits(root, tree, func() {})
	if _, err := os.Stat(oldUnit); err == nil {
		t.Error("the unused unit was not removed once the units dir was free")
	}
	if _, err := os.Stat(newUnit); err != nil {
		t.Errorf("the unit in use was removed: %v", err)
	}
}
