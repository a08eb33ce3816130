package codegen

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/internal/owned"
	"golang.org/x/mod/modfile"
)

// A hot package whose module has no copied internal packages, and whose
// copied imports are units too, is copied as a unit: a module of its own,
// "<BuildPrefix>-<unit hash>/<import path>", whose hash covers only the
// package's own inputs and those of the copied packages it imports. An
// edit to one package then changes the import path of that package and of
// the packages importing it, and of nothing else: go build finds the
// others in its cache (their copies stay at the same path, under the units
// dir inside the codegen dir), and the loader finds them already loaded
// from the previous build with the same linker hash, which the Go runtime
// accepts. Packages of modules with copied internal packages keep the
// per-build prefix: an internal package can only be imported from its own
// module tree.

// UnitsDir returns where the units of the codegen dir live: inside it,
// never beside it (a path next to one the user chose may be the user's).
// The name can't be a build tree's: those are "<prefix>-<hash>" or
// "build-<pid>-<random>".
func UnitsDir(codegenDir string) string {
	return filepath.Join(codegenDir, "units")
}

// unitDirName matches the names of the unit prefix dirs under the units
// dir: "<BuildPrefix>-<hash>" (a build prefix has no dot).
var unitDirName = regexp.MustCompile(`^[^.]+-[0-9a-f]{` + strconv.Itoa(PrefixHashLen) + `}$`)

// PlanUnits returns the overlay of every package that is copied as a unit,
// by import path, with Dir under root. in gives the inputs every unit
// hash covers (analysis is ignored).
func PlanUnits(in HashInputs, a *analysis.Analysis, root, buildPrefix string) (map[string]*Overlay, error) {
	all := a.All()
	copied := make(map[string]*analysis.HotPackage, len(all))
	for _, p := range all {
		copied[p.ImportPath] = p
	}
	withInternal := map[string]bool{}
	for _, p := range all {
		if analysis.IsInternal(p.ImportPath) {
			withInternal[p.Module.Path] = true
		}
	}
	imports := func(ip string) []string {
		var out []string
		if dp := a.Deps[ip]; dp != nil {
			for imp := range dp.Imports {
				if copied[imp] != nil {
					out = append(out, imp)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	// eligible: the module has no copied internal package, and every
	// copied import is eligible. Imports can't form cycles.
	memo := map[string]bool{}
	var eligible func(ip string) bool
	eligible = func(ip string) bool {
		if v, ok := memo[ip]; ok {
			return v
		}
		ok := a.Deps[ip] != nil && !withInternal[copied[ip].Module.Path]
		for _, imp := range imports(ip) {
			ok = ok && eligible(imp)
		}
		memo[ip] = ok
		return ok
	}
	header := sha256.New()
	in.Analysis = a
	hashCommon(hashLine(header), "unit", in)
	// pkgSums hashes each package's own inputs once.
	pkgSums := map[string]string{}
	pkgSum := func(p *analysis.HotPackage) (string, error) {
		if s, ok := pkgSums[p.ImportPath]; ok {
			return s, nil
		}
		h := sha256.New()
		if err := hashPackage(h, p); err != nil {
			return "", err
		}
		s := hex.EncodeToString(h.Sum(nil))
		pkgSums[p.ImportPath] = s
		return s, nil
	}
	units := map[string]*Overlay{}
	for _, p := range all {
		if !eligible(p.ImportPath) {
			continue
		}
		// The unit covers the package and its copied imports, transitively.
		closure := map[string]bool{}
		var visit func(ip string)
		visit = func(ip string) {
			if closure[ip] {
				return
			}
			closure[ip] = true
			for _, imp := range imports(ip) {
				visit(imp)
			}
		}
		visit(p.ImportPath)
		paths := make([]string, 0, len(closure))
		for ip := range closure {
			paths = append(paths, ip)
		}
		sort.Strings(paths)
		h := sha256.New()
		h.Write(header.Sum(nil))
		for _, ip := range paths {
			s, err := pkgSum(copied[ip])
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(h, "%s %s\n", ip, s)
		}
		prefix := buildPrefix + "-" + hex.EncodeToString(h.Sum(nil))[:PrefixHashLen]
		modPath, version := copyModule(prefixed(prefix, p.ImportPath))
		units[p.ImportPath] = &Overlay{
			Path:      modPath,
			Version:   version,
			Orig:      p.Module.Path,
			Dir:       filepath.Join(root, filepath.FromSlash(modPath)),
			GoVersion: moduleGoVersion(p),
			Prefix:    prefix,
			Unit:      p.ImportPath,
		}
	}
	return units, nil
}

// moduleGoVersion returns the go version of p's module's go.mod.
func moduleGoVersion(p *analysis.HotPackage) string {
	goVersion := p.Module.GoVersion
	if gm := analysis.GoModOf(p.Module); gm != "" {
		if data, err := os.ReadFile(gm); err == nil {
			if f, err := modfile.ParseLax(gm, data, nil); err == nil && f.Go != nil {
				goVersion = f.Go.Version
			}
		}
	}
	if goVersion == "" {
		goVersion = "1.17"
	}
	return goVersion
}

// writeUnit writes the copy of p as the unit module ov, unless it is
// already there: a unit's content is fixed by its path. It is written
// beside its place and renamed into it, so a unit dir is always complete.
func (t *Tree) writeUnit(ov *Overlay, p *analysis.HotPackage, rename func(string) (string, bool)) error {
	if _, err := os.Stat(filepath.Join(ov.Dir, "go.mod")); err == nil {
		// In use: PruneUnits keeps it.
		now := time.Now()
		_ = os.Chtimes(strings.TrimSuffix(ov.Dir, string(filepath.Separator)+filepath.FromSlash(strings.TrimPrefix(ov.Path, ov.Prefix+"/"))), now, now)
		t.recordUnitFiles(ov, p)
		return nil
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("codegen: unit %s: %w", ov.Path, err)
	}
	tmp := ov.Dir + ".tmp-" + hex.EncodeToString(rnd[:])
	defer os.RemoveAll(tmp)
	if err := writeOverlayGoMod(tmp, ov); err != nil {
		return err
	}
	if err := copyPackage(p, (&Overlay{Path: ov.Path, Dir: tmp}).pkgDir(prefixed(ov.Prefix, p.ImportPath)), rename, nil); err != nil {
		return err
	}
	if err := os.Rename(tmp, ov.Dir); err != nil {
		if _, serr := os.Stat(filepath.Join(ov.Dir, "go.mod")); serr != nil {
			return fmt.Errorf("codegen: unit %s: %w", ov.Path, err)
		}
		// Written meanwhile by another build: the same content.
	}
	t.recordUnitFiles(ov, p)
	return nil
}

// recordUnitFiles maps the unit's copied files to the originals.
func (t *Tree) recordUnitFiles(ov *Overlay, p *analysis.HotPackage) {
	for _, src := range p.Files {
		t.Files[filepath.Join(ov.pkgDir(prefixed(ov.Prefix, p.ImportPath)), relToPackage(p, src))] = src
	}
}

// RemoveUnits removes the unit dirs in old (written by this process)
// that are not in keep, and their parents under root that are left empty.
// Nothing is removed unless root is hotbus's (internal/owned) and the dir is a
// unit's, under root.
func RemoveUnits(root string, old, keep map[string]bool) {
	if !owned.Is(root) {
		return
	}
	for dir := range old {
		rel, err := filepath.Rel(root, dir)
		if keep[dir] || err != nil || !unitDirName.MatchString(strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]) {
			continue
		}
		_ = os.RemoveAll(dir)
		for p := filepath.Dir(dir); strings.HasPrefix(p, root+string(filepath.Separator)); p = filepath.Dir(p) {
			if os.Remove(p) != nil {
				break
			}
		}
	}
}

// unitMaxAge is how long a unit no build has used is kept for other
// processes sharing the codegen dir.
const unitMaxAge = 24 * time.Hour

// PruneUnits removes the unit prefix dirs under root that no build has
// used for unitMaxAge, except those in keep. It prunes nothing unless root
// is hotbus's (internal/owned), and only directories named as unit prefixes.
func PruneUnits(root string, keep map[string]bool) {
	if !owned.Is(root) {
		return
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	kept := map[string]bool{}
	for dir := range keep {
		if rel, err := filepath.Rel(root, dir); err == nil {
			kept[strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]] = true
		}
	}
	for _, e := range ents {
		if kept[e.Name()] || !e.IsDir() || !unitDirName.MatchString(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > unitMaxAge {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}
