package owned

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestEnsureOwnedRefusesAUsersDir proves that hotbus creates its dirs
// with the marker, adopts an empty dir, and refuses a dir with something
// of the user's in it, naming the dir and the marker.
func TestEnsureOwnedRefusesAUsersDir(t *testing.T) {
	base := t.TempDir()
	created := filepath.Join(base, "created")
	if err := Ensure(created, "units dir"); err != nil || !Is(created) {
		t.Errorf("a new dir: %v, owned %v", err, Is(created))
	}
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(empty, "units dir"); err != nil || !Is(empty) {
		t.Errorf("an empty dir: %v, owned %v", err, Is(empty))
	}
	users := filepath.Join(base, "users")
	compilertest.Write(t, users, "keep.txt", "the user's\n")
	err := Ensure(users, "units dir")
	if err == nil || !strings.Contains(err.Error(), users) || !strings.Contains(err.Error(), Marker) {
		t.Errorf("a user's dir: error %v, want one naming %s and %s", err, users, Marker)
	}
	if err := Remove(users); err == nil {
		t.Error("Remove removed a dir without the marker")
	}
	if _, err := os.Stat(filepath.Join(users, "keep.txt")); err != nil || Is(users) {
		t.Errorf("the user's dir was changed: %v, owned %v", err, Is(users))
	}
}
