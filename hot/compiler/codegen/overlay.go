package codegen

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// Tree is the generated build tree of one build:
//
//	<Dir>/plugin/go.mod               module <Prefix>/plugin (the plugin path)
//	<Dir>/plugin/plugin.go            the generated main (GenerateMain)
//	<Dir>/modules/<module path>/go.mod    module <Prefix>/<module path>
//	<Dir>/modules/<import path>/...   copies of the hot packages
type Tree struct {
	// Dir is the root of the tree.
	Dir string
	// Prefix is the per-build import-path prefix ("hotbus-0123abcd4567").
	Prefix string
	// MainDir is the plugin main module's directory.
	MainDir string
	// PluginPath is the plugin main module's path (the plugin path).
	PluginPath string
	// Overlays are the overlay modules, by original module path.
	Overlays map[string]*Overlay
	// Files maps each copied file to its original, absolute paths.
	Files map[string]string
	// GoWork is the tree's go.work file when the plugin is built in
	// workspace mode (for a -trimpath host built from source), else "".
	GoWork string
	// Units are the packages copied as units (units.go), by import path:
	// modules of their own outside the tree, shared by builds.
	Units map[string]*Overlay
	// Origins say, for each module the plugin main module requires, what
	// of the user's it comes from (a go.mod file, a package directory, the
	// host's build info), for errors about the generated go.mod.
	Origins map[string]string
	// GoOverlay is the go command's -overlay file of the build, or "":
	// the go.mod files of the host's vendored modules (hostpins/vendor.go),
	// or a child executable's generated main.
	GoOverlay string
	// ModFile is the go command's -modfile of the build, or "": a child
	// executable is built in the user's module with a copy of its go.mod
	// (and go.sum), which the go command may complete.
	ModFile string
	// MainPkg is the main package's directory relative to MainDir when it
	// is not MainDir itself: a child executable's main exists only in the
	// GoOverlay, in a directory of the user's module.
	MainPkg string
}

// MainPackage returns the go command's argument for the main package,
// run in MainDir: "." or "./<MainPkg>".
func (t *Tree) MainPackage() string {
	if t.MainPkg == "" {
		return "."
	}
	return "./" + filepath.ToSlash(t.MainPkg)
}

// GoFlags returns the go command flags the tree needs besides the host's.
func (t *Tree) GoFlags() []string {
	var flags []string
	if t.GoOverlay != "" {
		flags = append(flags, "-overlay="+t.GoOverlay)
	}
	if t.ModFile != "" {
		flags = append(flags, "-modfile="+t.ModFile)
	}
	return flags
}

// Overlay is the copy of one module's hot packages under the prefix.
type Overlay struct {
	// Path is the overlay module path: <prefix>/<original module path>
	// for a module overlay, <prefix>/<import path> for a unit, each made
	// valid by copyModule (a unit of ".../api/v1" is the module
	// "<prefix>/.../api" with the package in its directory v1).
	Path string
	// Version is the version the plugin main module requires Path at:
	// v0.0.0-00010101000000-000000000000, or vN.0.0-... for a module
	// path ending in /vN.
	Version string
	// Orig is the original module path.
	Orig string
	// Dir is the overlay module's directory (the directory of Path).
	Dir string
	// GoVersion is the go directive of the original go.mod.
	GoVersion string
	// Prefix is the overlay's import-path prefix: the tree's, or a unit's.
	Prefix string
	// Unit is the import path of the package a unit holds (at the root of
	// the unit's module, or in the directory copyModule cut off its path);
	// empty for a module overlay.
	Unit string
}

// overlayOf returns the overlay holding p's copy and the directory of the
// copy.
func (t *Tree) overlayOf(p *analysis.HotPackage) (*Overlay, string) {
	ov := t.Units[p.ImportPath]
	if ov == nil {
		ov = t.Overlays[p.Module.Path]
	}
	return ov, ov.pkgDir(t.ImportPathOf(p.ImportPath))
}

// pkgDir returns the directory of the package with import path ip (a
// copy's) in the overlay module.
func (ov *Overlay) pkgDir(ip string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(ip, ov.Path), "/")
	return filepath.Join(ov.Dir, filepath.FromSlash(rel))
}

// ImportPathOf returns the import path of a hot package's copy.
func (t *Tree) ImportPathOf(importPath string) string {
	if ov := t.Units[importPath]; ov != nil {
		return prefixed(ov.Prefix, importPath)
	}
	return prefixed(t.Prefix, importPath)
}

// copyModule returns a module path for copies whose import paths start
// with path, and the version to require it at: path itself if the go
// command accepts it as a module path at a v0 or vN pseudo-version, else
// the longest parent that it accepts. A module path may end in a major
// version element "/vN" only for N >= 2, and then must be required at
// vN: "<prefix>/example.com/api/v1" is no module path (its copy goes
// into the module "<prefix>/example.com/api", directory v1), and
// "<prefix>/example.com/util/v2" is required at
// v2.0.0-00010101000000-000000000000.
func copyModule(path string) (modPath, version string) {
	modPath = path
	for {
		_, major, ok := module.SplitPathVersion(modPath)
		i := strings.LastIndex(modPath, "/")
		if ok || i < 0 {
			if major == "" {
				return modPath, hostpins.ZeroPseudo
			}
			return modPath, module.PseudoVersion(strings.TrimPrefix(major, "/"), "", time.Time{}, "000000000000")
		}
		modPath = modPath[:i]
	}
}

// MainDirName is the last element of the plugin main module path.
const MainDirName = "plugin"

// prefixed returns importPath under prefix.
func prefixed(prefix, importPath string) string {
	return prefix + "/" + importPath
}

// NewTree lays out a tree under dir for the hot packages.
func NewTree(dir, prefix string, pkgs []*analysis.HotPackage) *Tree {
	t := &Tree{
		Dir:        dir,
		Prefix:     prefix,
		MainDir:    filepath.Join(dir, MainDirName),
		PluginPath: prefixed(prefix, MainDirName),
		Overlays:   map[string]*Overlay{},
		Files:      map[string]string{},
	}
	for _, p := range pkgs {
		if _, ok := t.Overlays[p.Module.Path]; ok {
			continue
		}
		modPath, version := copyModule(prefixed(prefix, p.Module.Path))
		t.Overlays[p.Module.Path] = &Overlay{
			Path:      modPath,
			Version:   version,
			Orig:      p.Module.Path,
			Dir:       filepath.Join(dir, "modules", filepath.FromSlash(strings.TrimPrefix(modPath, prefix+"/"))),
			GoVersion: moduleGoVersion(p),
			Prefix:    prefix,
		}
	}
	return t
}

// WriteOverlays copies the hot packages into the tree (or as units),
// rewriting their imports of each other, and writes the overlay go.mod
// files.
func (t *Tree) WriteOverlays(pkgs []*analysis.HotPackage) error {
	hot := make(map[string]bool, len(pkgs))
	for _, p := range pkgs {
		hot[p.ImportPath] = true
	}
	rename := func(path string) (string, bool) {
		if hot[path] {
			return t.ImportPathOf(path), true
		}
		return "", false
	}
	paths := make([]string, 0, len(t.Overlays))
	for path := range t.Overlays {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if err := writeOverlayGoMod(t.Overlays[path].Dir, t.Overlays[path]); err != nil {
			return err
		}
	}
	for _, p := range pkgs {
		if ov := t.Units[p.ImportPath]; ov != nil {
			if err := t.writeUnit(ov, p, rename); err != nil {
				return err
			}
			continue
		}
		_, dst := t.overlayOf(p)
		if err := copyPackage(p, dst, rename, t.Files); err != nil {
			return err
		}
	}
	return nil
}

// writeOverlayGoMod writes the go.mod of overlay ov into dir.
func writeOverlayGoMod(dir string, ov *Overlay) error {
	f := &modfile.File{}
	if err := f.AddModuleStmt(ov.Path); err != nil {
		return fmt.Errorf("overlay go.mod for %s: %w", ov.Orig, err)
	}
	if err := f.AddGoStmt(ov.GoVersion); err != nil {
		return fmt.Errorf("overlay go.mod for %s: go %s: %w", ov.Orig, ov.GoVersion, err)
	}
	f.AddComment("// Copy of hot packages of " + ov.Orig + " generated by hotbus. DO NOT EDIT.")
	data, err := f.Format()
	if err != nil {
		return fmt.Errorf("overlay go.mod for %s: %w", ov.Orig, err)
	}
	return WriteFile(filepath.Join(dir, "go.mod"), data)
}

// relToPackage returns a package file's path relative to the package dir.
func relToPackage(p *analysis.HotPackage, src string) string {
	relFile, err := filepath.Rel(p.Dir, src)
	if err != nil || strings.HasPrefix(relFile, "..") {
		relFile = filepath.Base(src)
	}
	return relFile
}

// copyPackage copies p's files into dst, rewriting the imports of Go
// files, and records each copy's original in files (if not nil).
func copyPackage(p *analysis.HotPackage, dst string, rename func(string) (string, bool), files map[string]string) error {
	for _, src := range p.Files {
		out := filepath.Join(dst, relToPackage(p, src))
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("copy hot package %s: %w", p.ImportPath, err)
		}
		if strings.HasSuffix(src, ".go") {
			var cgo bool
			if data, cgo, err = rewriteImports(src, data, rename); err != nil {
				return fmt.Errorf("copy hot package %s: %w", p.ImportPath, err)
			}
			if !cgo {
				data = withLineDirective(src, data)
			}
		}
		if err := WriteFile(out, data); err != nil {
			return err
		}
		if files != nil {
			files[out] = src
		}
	}
	return nil
}

// rewriteImports returns src with every import path for which rename
// returns true replaced, and whether the file imports "C" (cgo). Only the
// import path literals change: line numbers and every other byte stay as
// they were.
func rewriteImports(filename string, src []byte, rename func(string) (string, bool)) (out []byte, cgo bool, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, false, fmt.Errorf("rewrite imports of %s: %w", filename, err)
	}
	type edit struct {
		start, end int
		lit        string
	}
	var edits []edit
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		cgo = cgo || path == "C"
		to, ok := rename(path)
		if !ok {
			continue
		}
		start := fset.Position(imp.Path.Pos()).Offset
		edits = append(edits, edit{start, start + len(imp.Path.Value), strconv.Quote(to)})
	}
	if len(edits) == 0 {
		return src, cgo, nil
	}
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.start])
		b.WriteString(e.lit)
		last = e.end
	}
	b.Write(src[last:])
	return b.Bytes(), cgo, nil
}

// withLineDirective returns the copy data of the Go file orig with a
// //line directive in front that names orig: the compiler then records
// the user's file, not the copy, in the plugin's line tables, so a panic's
// stack, runtime.Caller and a debugger name the file the user edits, with
// its lines and columns. cgo files are left alone (cgo writes its own
// directives), and so is a path a directive can't hold.
func withLineDirective(orig string, data []byte) []byte {
	if strings.ContainsAny(orig, "\r\n") {
		return data
	}
	// A byte order mark is only allowed first: it goes.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	return append([]byte("//line "+orig+":1:1\n"), data...)
}

// WriteFile writes data to path, creating its directory.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("codegen: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("codegen: %w", err)
	}
	return nil
}

// goModLine matches a go command message about a line of a go.mod file.
var goModLine = regexp.MustCompile(`^(\S*go\.mod):(\d+)(?::\d+)?: `)

// ExplainGoMod follows each go command message about a line of the plugin
// main module's go.mod (which hotbus generates, and the user never sees)
// with what of the user's that line comes from: a go.mod file, a package
// directory, or the host's build info.
func (t *Tree) ExplainGoMod(text string) string {
	gomod := filepath.Join(t.MainDir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return text
	}
	// The lines are read as words, not parsed: a go.mod the go command
	// refuses may not parse.
	lines := map[int]string{}
	for i, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "require" || f[0] == "replace") {
			f = f[1:]
		}
		if len(f) > 0 && f[0] != "(" && f[0] != ")" && !strings.HasPrefix(f[0], "//") {
			lines[i+1] = f[0]
		}
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		b.WriteString(line)
		m := goModLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || (m[1] != "go.mod" && m[1] != gomod) {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		path, ok := lines[n]
		if !ok {
			continue
		}
		origin := t.Origins[path]
		if origin == "" {
			origin = "module " + path
		}
		if !strings.HasSuffix(line, "\n") {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\t(go.mod line %d is in the plugin's go.mod that hotbus generated, %s, for %s)\n", n, gomod, origin)
	}
	return b.String()
}

// RewriteOutput maps overlay paths and prefixed import paths in go
// command output back to the user's files and import paths.
func (t *Tree) RewriteOutput(text string, pkgs []*analysis.HotPackage) string {
	if t.Prefix == "" {
		return t.absOutput(text, pkgs)
	}
	type repl struct{ from, to string }
	var repls []repl
	prefixes := []string{t.Prefix}
	for _, p := range pkgs {
		ov, dir := t.overlayOf(p)
		if ov.Prefix != "" && ov.Prefix != t.Prefix {
			prefixes = append(prefixes, ov.Prefix)
		}
		repls = append(repls, repl{dir + string(filepath.Separator), p.Dir + string(filepath.Separator)})
		if r, err := filepath.Rel(t.MainDir, dir); err == nil {
			repls = append(repls, repl{r + string(filepath.Separator), p.Dir + string(filepath.Separator)})
		}
		// -trimpath prints files as <import path>/<file>.
		repls = append(repls, repl{t.ImportPathOf(p.ImportPath) + "/", p.Dir + string(filepath.Separator)})
	}
	// Longest first, so a nested package's directory wins over its parent's.
	sort.SliceStable(repls, func(i, j int) bool { return len(repls[i].from) > len(repls[j].from) })
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		for _, r := range repls {
			line = strings.ReplaceAll(line, r.from, r.to)
		}
		for _, prefix := range prefixes {
			line = strings.ReplaceAll(line, prefix+"/", "")
		}
		b.WriteString(line)
	}
	return b.String()
}

// absOutput rewrites the output of a build of the hot packages under their
// own import paths and in their own directories (a child executable's:
// no copies, no prefix): the go command names their files relative to
// MainDir ("ctrl/ctrl.go:3:1", "./x.go", "../lib/g.go"), which become the
// absolute paths of the user's files, at the start of a line.
func (t *Tree) absOutput(text string, pkgs []*analysis.HotPackage) string {
	type repl struct{ from, to string }
	var repls []repl
	for _, p := range pkgs {
		rel, err := filepath.Rel(t.MainDir, p.Dir)
		if err != nil {
			continue
		}
		to := p.Dir + string(filepath.Separator)
		if rel == "." {
			repls = append(repls, repl{"." + string(filepath.Separator), to})
			continue
		}
		repls = append(repls, repl{rel + string(filepath.Separator), to})
		if !strings.HasPrefix(rel, "..") {
			repls = append(repls, repl{"." + string(filepath.Separator) + rel + string(filepath.Separator), to})
		}
	}
	// Longest first, so a nested package's directory wins over its parent's.
	sort.SliceStable(repls, func(i, j int) bool { return len(repls[i].from) > len(repls[j].from) })
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		for _, r := range repls {
			if rest, ok := strings.CutPrefix(line, r.from); ok && !strings.Contains(rest[:max(0, strings.IndexByte(rest, ':'))], string(filepath.Separator)) {
				line = r.to + rest
				break
			}
		}
		b.WriteString(line)
	}
	return b.String()
}
