package hostpins

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/mod/modfile"
)

// listedModule is one module printed by go list -m -json.
type listedModule struct {
	Path    string
	Version string
	Dir     string
	Main    bool
	Replace *listedModule
}

// DirResolver finds the source directory of host modules built from
// local source (the host's "(devel)" main module, workspace modules and
// directory replacements).
type DirResolver struct {
	// Host is the host whose modules are resolved.
	Host *Host
	// WorkDir is the directory the go command lists the modules of.
	WorkDir string
	// HostModuleDir, if set, is the host's main module's directory, as
	// the user gave it (Options.HostModuleDir).
	HostModuleDir string
	// GoCmd is the go command.
	GoCmd string
	// GOROOT is the go command's GOROOT: files under it are no module's.
	GOROOT string
	// Analysis is the analysis of the hot packages: the modules it
	// resolved come first.
	Analysis *analysis.Analysis
	// listed are the work dir's main modules (go list -m -json), loaded once.
	listed []listedModule
	// listErr is why listing failed.
	listErr error
	listRan bool
	// BinaryDirs are source module dirs read from the host binary, by
	// path; nil when they are not read yet or could not be read, so a
	// later build tries again. A resolver for a later build of the same
	// host may start from an earlier one's.
	BinaryDirs map[string]string
	binRan     bool
	// binErr is why the host binary's file paths could not be read.
	binErr error
}

// resolve returns the directory of module path; replace is the
// replacement path the host's build info records, if any.
func (r *DirResolver) Resolve(ctx context.Context, path, replace string) (string, error) {
	if path == r.Host.Main.Path && r.HostModuleDir != "" {
		dir, err := checkModDir(r.HostModuleDir, path)
		if err != nil {
			return "", fmt.Errorf("the host module dir set (--host-module-dir, Options.HostModuleDir) is not %s's source directory: %w", path, err)
		}
		return dir, nil
	}
	if m := r.Analysis.Modules[path]; m != nil {
		if m.Replace != nil && m.Replace.Version == "" && m.Replace.Dir != "" {
			return m.Replace.Dir, nil
		}
		if m.Main && m.Dir != "" {
			return m.Dir, nil
		}
	}
	for _, m := range r.listModules(ctx) {
		if m.Path == path && m.Dir != "" {
			return m.Dir, nil
		}
	}
	if filepath.IsAbs(replace) {
		return checkModDir(replace, path)
	}
	mainDir := ""
	var mainErr error
	if path != r.Host.Main.Path {
		mainDir, mainErr = r.Resolve(ctx, r.Host.Main.Path, "")
	}
	if replace != "" && mainDir != "" {
		return checkModDir(filepath.Join(mainDir, replace), path)
	}
	if dir := r.binaryDirs()[path]; dir != "" {
		return dir, nil
	}
	what := "the host's main module"
	if path != r.Host.Main.Path {
		what = "the host module built from local source"
		if replace != "" {
			what += " (replace => " + replace + ")"
		}
	}
	var causes []string
	if r.listErr != nil {
		causes = append(causes, "go list -m in "+r.WorkDir+": "+r.listErr.Error())
	} else {
		causes = append(causes, "it is not a module of the work dir "+r.WorkDir+" (go list -m)")
	}
	if replace != "" && mainErr != nil {
		causes = append(causes, "the replacement is relative to the host's main module, whose directory was not found either")
	}
	if r.binErr != nil {
		causes = append(causes, r.binErr.Error())
	} else if r.Host.Settings["-trimpath"] == "true" {
		causes = append(causes, "the host was built with -trimpath, so its binary names no source directories")
	} else {
		causes = append(causes, "no file of the host binary lies in a directory whose go.mod declares it")
	}
	return "", fmt.Errorf("%s %s: its source directory was not found (%s). "+
		"Run the compiler with a work dir inside that module or its workspace (workDir in the compiler config, --work-dir for hot-builder, Options.WorkDir), "+
		"or name the directory with --host-module-dir (hot-builder) or Options.HostModuleDir",
		what, path, strings.Join(causes, "; "))
}

// checkModDir returns dir if its go.mod declares path.
func checkModDir(dir, path string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	gm := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gm)
	if err != nil {
		return "", fmt.Errorf("module %s: %w", path, err)
	}
	if mp := modfile.ModulePath(data); mp != path {
		return "", fmt.Errorf("module %s: %s declares module %q", path, gm, mp)
	}
	return dir, nil
}

// listModules runs go list -m -json in the work dir once: the main
// module, or every module of its workspace.
func (r *DirResolver) listModules(ctx context.Context) []listedModule {
	if r.listRan {
		return r.listed
	}
	r.listRan = true
	cmd := exec.CommandContext(ctx, r.GoCmd, "list", "-m", "-json")
	cmd.Dir = r.WorkDir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.listErr = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m listedModule
		if err := dec.Decode(&m); err != nil {
			if !errors.Is(err, io.EOF) {
				r.listErr = err
			}
			break
		}
		r.listed = append(r.listed, m)
	}
	return r.listed
}

// binaryDirs reads the source file paths in the host binary's line table
// (present when it was built without -trimpath) and returns the modules
// whose go.mod is found above them, by module path. When the binary can't
// be read it returns nil and keeps the reason in binErr.
func (r *DirResolver) binaryDirs() map[string]string {
	if r.binRan || r.BinaryDirs != nil {
		return r.BinaryDirs
	}
	r.binRan = true
	bin := r.Host.Binary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			r.binErr = fmt.Errorf("find this process's executable to read the host's source paths: %w; set the host binary (hostBinary in the compiler config, Options.HostBinary)", err)
			return nil
		}
	}
	files, err := sourceFiles(bin)
	if err != nil {
		r.binErr = fmt.Errorf("read the source paths of host binary %s: %w", bin, err)
		return nil
	}
	r.BinaryDirs = map[string]string{}
	checked := map[string]bool{}
	goroot := filepath.Clean(r.GOROOT)
	for _, f := range files {
		if !filepath.IsAbs(f) || strings.HasPrefix(f, goroot+string(filepath.Separator)) ||
			strings.Contains(f, string(filepath.Separator)+"pkg"+string(filepath.Separator)+"mod"+string(filepath.Separator)) {
			continue
		}
		for dir := filepath.Dir(f); !checked[dir]; dir = filepath.Dir(dir) {
			checked[dir] = true
			if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
				if mp := modfile.ModulePath(data); mp != "" {
					if _, ok := r.BinaryDirs[mp]; !ok {
						r.BinaryDirs[mp] = dir
					}
				}
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return r.BinaryDirs
}

// sourceFiles returns the source file names in an ELF Go binary's line
// table, sorted.
func sourceFiles(bin string) ([]string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, fmt.Errorf("open as ELF: %w", err)
	}
	defer f.Close()
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return nil, errors.New("no Go line table (.gopclntab and .text sections): not a Go executable, or stripped of them")
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("read .gopclntab: %w", err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("parse the Go line table: %w", err)
	}
	files := make([]string, 0, len(tab.Files))
	for name := range tab.Files {
		files = append(files, name)
	}
	sort.Strings(files)
	return files, nil
}
