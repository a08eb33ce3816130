package codegen

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
// "build-<pid>-<build hash>".
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
	g := newUnitGraph(a)
	header := sha256.New()
	in.Analysis = a
	hashCommon(hashLine(header), "unit", in)
	sums := packageSums{}
	units := map[string]*Overlay{}
	for _, p := range a.All() {
		if !g.eligible(p.ImportPath) {
			continue
		}
		// The unit's hash covers the package and its copied imports,
		// transitively.
		h := sha256.New()
		h.Write(header.Sum(nil))
		for _, ip := range g.closure(p.ImportPath) {
			s, err := sums.of(g.copied[ip])
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

// unitGraph is the import graph of the copied packages, for deciding
// which can be units.
type unitGraph struct {
	a *analysis.Analysis
	// copied are the copied packages by import path.
	copied map[string]*analysis.HotPackage
	// withInternal are the modules with a copied internal package.
	withInternal map[string]bool
	// memo holds eligible's answers.
	memo map[string]bool
}

// newUnitGraph returns the graph of the packages a copies.
func newUnitGraph(a *analysis.Analysis) *unitGraph {
	g := &unitGraph{a: a, copied: map[string]*analysis.HotPackage{}, withInternal: map[string]bool{}, memo: map[string]bool{}}
	for _, p := range a.All() {
		g.copied[p.ImportPath] = p
		if analysis.IsInternal(p.ImportPath) {
			g.withInternal[p.Module.Path] = true
		}
	}
	return g
}

// imports returns the copied packages ip imports, sorted.
func (g *unitGraph) imports(ip string) []string {
	var out []string
	if dp := g.a.Deps[ip]; dp != nil {
		for imp := range dp.Imports {
			if g.copied[imp] != nil {
				out = append(out, imp)
			}
		}
	}
	sort.Strings(out)
	return out
}

// eligible reports whether ip can be a unit: its module has no copied
// internal package, and every copied package it imports can be a unit
// too. Imports can't form cycles.
func (g *unitGraph) eligible(ip string) bool {
	if v, ok := g.memo[ip]; ok {
		return v
	}
	ok := g.a.Deps[ip] != nil && !g.withInternal[g.copied[ip].Module.Path]
	for _, imp := range g.imports(ip) {
		ok = ok && g.eligible(imp)
	}
	g.memo[ip] = ok
	return ok
}

// closure returns ip and the copied packages it imports, transitively,
// sorted.
func (g *unitGraph) closure(ip string) []string {
	seen := map[string]bool{}
	var visit func(ip string)
	visit = func(ip string) {
		if seen[ip] {
			return
		}
		seen[ip] = true
		for _, imp := range g.imports(ip) {
			visit(imp)
		}
	}
	visit(ip)
	return slices.Sorted(maps.Keys(seen))
}

// packageSums hashes each package's own inputs once, by import path.
type packageSums map[string]string

// of returns the hash of p's own inputs.
func (s packageSums) of(p *analysis.HotPackage) (string, error) {
	if sum, ok := s[p.ImportPath]; ok {
		return sum, nil
	}
	h := sha256.New()
	if err := hashPackage(h, p); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	s[p.ImportPath] = sum
	return sum, nil
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
