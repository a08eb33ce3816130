package hot_compiler

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// Each build generates its tree into a dir of its own in the codegen dir,
// "build-<pid>-<random>", marked as hotbus's (owned.go) and removed when
// the build ends: two processes sharing a codegen dir never write the same
// tree, and the pid tells, after a crash, whether its writer is gone.

// buildDirName matches the names of build trees: the writer's pid and a
// random part.
var buildDirName = regexp.MustCompile(`^build-([1-9][0-9]*)-[0-9a-f]{12}$`)

// newBuildDir creates a new build tree dir in codegenDir.
func newBuildDir(codegenDir string) (string, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("codegen: %w", err)
	}
	dir := filepath.Join(codegenDir, "build-"+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(rnd[:]))
	if err := createOwned(dir); err != nil {
		return "", fmt.Errorf("codegen: create the build tree %s: %w", dir, err)
	}
	return dir, nil
}
