package hot_compiler

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	"github.com/hotbus/hotbus/internal/atomicfile"
)

// Each build generates its tree into a dir of its own in the codegen dir,
// "build-<pid>-<build hash>", marked as hotbus's (internal/owned) and
// removed when the build ends: two processes sharing a codegen dir never
// write the same tree, and the pid tells, after a crash, whether its
// writer is gone.
//
// The path is the same for every build of one build hash in a process,
// and so are the plugin's bytes: a plugin built without -trimpath holds
// the path of its generated main, and the loader refuses a second plugin
// with a plugin path it has loaded unless it is the same file, which is
// what a revert to an earlier state of the sources builds again. Builds of
// one hash in one process (two compilers on the same sources) take turns
// on the tree: treeLocks.

// buildDirName matches the names of build trees ("build-<pid>-<build
// hash>") and of the go command temp dirs of analyses ("gotmp-<pid>-<16 hex
// digits>", see createGoTmpDir): the writer's pid, and 16 hex digits.
var buildDirName = regexp.MustCompile(`^(?:build|gotmp)-([1-9][0-9]*)-[0-9a-f]{16}$`)

// createGoTmpDir creates, marked as hotbus's, a dir in codegenDir for the
// temp files of go commands that run outside a build tree (GOTMPDIR): its
// name carries the pid, so that the sweep removes it once its writer is
// gone.
func createGoTmpDir(codegenDir string) (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("codegen: %w", err)
	}
	dir := filepath.Join(codegenDir, "gotmp-"+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(r[:]))
	if err := owned.Create(dir); err != nil {
		return "", fmt.Errorf("codegen: create the go command's temp dir %s: %w", dir, err)
	}
	return dir, nil
}

// treeLocks holds a mutex per build tree dir of this process. It is
// process-wide on purpose, as the Go runtime's table of loaded plugins
// that makes the tree's path matter is.
var treeLocks sync.Map // dir -> *sync.Mutex

// lockBuildDir waits until no other build of this process uses the tree
// dir of the build hash in codegenDir, then creates it afresh. unlock
// ends its use; the caller removes the dir first, unless it keeps it.
func lockBuildDir(codegenDir, hash string) (dir string, unlock func(), err error) {
	dir = filepath.Join(codegenDir, "build-"+strconv.Itoa(os.Getpid())+"-"+hash)
	mu, _ := treeLocks.LoadOrStore(dir, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	unlock = mu.(*sync.Mutex).Unlock
	// A tree kept (KeepCodegen) by an earlier build of the hash.
	if err := owned.Remove(dir); err != nil {
		unlock()
		return "", nil, fmt.Errorf("codegen: %w", err)
	}
	if err := owned.Create(dir); err != nil {
		unlock()
		return "", nil, fmt.Errorf("codegen: create the build tree %s: %w", dir, err)
	}
	return dir, unlock, nil
}

// buildWaitDelay bounds how long a canceled go command's output is waited
// for once its process group was killed.
const buildWaitDelay = 5 * time.Second

// goTmpDir returns the go command's temp dir (GOTMPDIR, where its $WORK
// goes) inside the tree of a build, so that what a killed build's go
// command leaves is removed with the tree.
func goTmpDir(t *codegen.Tree) string {
	return filepath.Join(t.Dir, ".gotmp")
}

// sweep removes what compilers that were killed left behind: temporary
// plugin and manifest files in the output dir and build trees in the
// codegen dir, each only when its name is hotbus's, it carries the pid of
// its writer and no process has that pid any more (and, for a tree, it
// holds hotbus's marker). A compiler sweeps before its first build.
func (c *Compiler) sweep() {
	removed, err := atomicfile.RemoveStale(c.opts.OutputDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.le.WithError(err).Warn("can't remove the temporary files stopped builds left in the plugins dir")
	}
	for _, p := range removed {
		c.le.WithField("path", p).Info("removed a temporary file that a stopped build left")
	}
	ents, err := os.ReadDir(c.opts.CodegenDir)
	if err != nil {
		return
	}
	for _, e := range ents {
		m := buildDirName.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		dir := filepath.Join(c.opts.CodegenDir, e.Name())
		if err != nil || !atomicfile.WriterGone(pid) || !owned.Is(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			c.le.WithError(err).WithField("codegen-dir", dir).Warn("can't remove the build tree a stopped build left")
			continue
		}
		c.le.WithField("codegen-dir", dir).Info("removed the build tree a stopped build left")
	}
}
