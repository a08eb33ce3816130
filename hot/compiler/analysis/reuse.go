package analysis

import (
	"bytes"
	"crypto/sha256"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The compiler runs the analysis (a few hundred milliseconds of go list and
// type checking) only when an edit can change what the analysis found:
// the packages' files (a source or embedded file added or removed),
// package names, imports, build constraints, embed patterns, NewFactory's
// signature or the ConfigID constant, or a go.mod, go.sum or go.work
// file. An edit to an embedded file's content reuses the analysis: the
// build hash and the package copies read the file as it is then. An edit inside function bodies, or to other
// declarations, reuses the previous analysis; type errors it may bring are
// then reported by go build, with the user's paths (codegen.Tree.RewriteOutput).

// fileRecord is what the last analysis saw of one watched file.
type fileRecord struct {
	size  int64
	mtime time.Time
	sum   [sha256.Size]byte
	// shape is what the analysis depends on in a Go source; empty for
	// other files.
	shape string
	// consts are the file's top-level constants whose value is a string
	// literal or a name, as written: to follow ConfigID.
	consts map[string]string
}

// Record is an analysis and the files it was made from, to tell whether
// a later edit can change it ([Record.Reuse]).
type Record struct {
	analysis *Analysis
	files    map[string]*fileRecord
	// listings are the names in each package directory and each
	// directory of embedded files that can change the package's files
	// (dirListing), by directory.
	listings map[string][]string
}

// Stamps are the sizes and modification times of files, by path, taken
// before an analysis runs ([StatFiles], [NewRecord]).
type Stamps map[string]fileStamp

// fileStamp is a file's size and modification time.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// StatFiles returns the stamps of the files that exist.
func StatFiles(files []string) Stamps {
	out := make(Stamps, len(files))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			out[f] = fileStamp{fi.Size(), fi.ModTime()}
		}
	}
	return out
}

// NewRecord reads every watch file of a, for reuse to compare against
// later. pre are the stamps of the files taken before the analysis ran:
// a file that changed while it ran, or that pre lacks, might not be what
// the analysis saw, and then nothing is recorded (nil): the next build
// analyzes again.
func NewRecord(a *Analysis, watch []string, pre Stamps) *Record {
	r := &Record{analysis: a, files: make(map[string]*fileRecord, len(watch)), listings: map[string][]string{}}
	for _, f := range watch {
		fr, err := readRecord(f)
		if err != nil {
			return nil
		}
		if st, ok := pre[f]; !ok || st.size != fr.size || !st.mtime.Equal(fr.mtime) {
			return nil
		}
		r.files[f] = fr
	}
	for dir, all := range listedDirs(a) {
		names, err := dirListing(dir, all)
		if err != nil {
			return nil
		}
		r.listings[dir] = names
	}
	return r
}

// Reuse returns the recorded analysis if no watched file changed in a way
// that can change it, updating the records of files whose content changed.
func (r *Record) Reuse() (*Analysis, bool) {
	if r == nil {
		return nil, false
	}
	embedDirs := listedDirs(r.analysis)
	for dir, names := range r.listings {
		now, err := dirListing(dir, embedDirs[dir])
		if err != nil || !slices.Equal(now, names) {
			return nil, false
		}
	}
	updates := map[string]*fileRecord{}
	for path, old := range r.files {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, false
		}
		if fi.Size() == old.size && fi.ModTime().Equal(old.mtime) {
			continue
		}
		fr, err := readRecord(path)
		if err != nil {
			return nil, false
		}
		if fr.sum != old.sum {
			if !strings.HasSuffix(path, ".go") {
				switch filepath.Base(path) {
				case "go.mod", "go.sum", "go.work", "go.work.sum":
					return nil, false
				}
			}
			if fr.shape != old.shape {
				return nil, false
			}
		}
		updates[path] = fr
	}
	// ConfigID may be a constant of another constant: follow it in the
	// package's files as they are now.
	for _, p := range r.analysis.Packages {
		consts := map[string]string{}
		for _, f := range p.Files {
			fr := updates[f]
			if fr == nil {
				fr = r.files[f]
			}
			if fr == nil {
				continue
			}
			for k, v := range fr.consts {
				consts[k] = v
			}
		}
		if id, ok := resolveConst(consts, "ConfigID"); !ok || id != p.ConfigID {
			if ok || p.ConfigID != "" {
				return nil, false
			}
		}
	}
	for path, fr := range updates {
		r.files[path] = fr
	}
	return r.analysis, true
}

// resolveConst follows name through consts to a string literal.
func resolveConst(consts map[string]string, name string) (string, bool) {
	for range 8 {
		v, ok := consts[name]
		if !ok {
			return "", false
		}
		if s, err := strconv.Unquote(v); err == nil {
			return s, true
		}
		name = v
	}
	return "", false
}

// listedDirs returns the directories whose listing the analysis depends
// on: every package directory, and every directory holding an embedded
// file. The value is true for the latter: any new name in them may match
// an embed pattern.
func listedDirs(a *Analysis) map[string]bool {
	dirs := map[string]bool{}
	for _, p := range a.All() {
		if p.Dir != "" && !dirs[p.Dir] {
			dirs[p.Dir] = false
		}
		for _, f := range p.Files {
			if !IsSourceName(filepath.Base(f)) && !strings.HasSuffix(f, "_test.go") {
				dirs[filepath.Dir(f)] = true
			}
		}
	}
	return dirs
}

// dirListing lists the names in dir that can change a package's files,
// sorted: its non-test source files (Go, cgo, assembly, .syso), or with
// all every name that does not start with "." or "_" (the names an embed
// pattern can match), directories included.
func dirListing(dir string, all bool) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		switch {
		case all && !strings.HasPrefix(n, ".") && !strings.HasPrefix(n, "_"):
			names = append(names, n)
		case !e.IsDir() && IsSourceName(n):
			names = append(names, n)
		}
	}
	return names, nil
}

// readRecord reads one watched file.
func readRecord(path string) (*fileRecord, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fr := &fileRecord{size: fi.Size(), mtime: fi.ModTime(), sum: sha256.Sum256(data)}
	if strings.HasSuffix(path, ".go") {
		fr.shape, fr.consts = goShape(path, data)
	}
	return fr, nil
}

// goShape returns what the analysis depends on in a Go source: its
// package name, imports, directives (//go:build, //go:embed, cgo
// preambles) and NewFactory's signature; and its top-level constants
// whose value is a string literal or a name. A file that does not parse
// gets a shape of its own, so the analysis runs and reports the error.
func goShape(path string, src []byte) (string, map[string]string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "unparsable:" + err.Error(), nil
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	var b bytes.Buffer
	b.WriteString("package " + f.Name.Name + "\n")
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:") || strings.HasPrefix(c.Text, "// +build") {
				b.WriteString(c.Text + "\n")
			}
		}
	}
	for _, imp := range f.Imports {
		b.WriteString("import " + text(imp) + "\n")
		if imp.Path.Value == `"C"` && imp.Doc != nil {
			b.WriteString(text(imp.Doc) + "\n")
		}
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == FactoryFunc {
				b.WriteString(text(d.Type) + "\n")
			}
		case *ast.GenDecl:
			if d.Tok != token.CONST {
				continue
			}
			for _, s := range d.Specs {
				vs := s.(*ast.ValueSpec)
				if len(vs.Names) != len(vs.Values) {
					continue
				}
				for i, n := range vs.Names {
					switch v := vs.Values[i].(type) {
					case *ast.BasicLit:
						if v.Kind == token.STRING {
							consts[n.Name] = v.Value
						}
					case *ast.Ident:
						consts[n.Name] = v.Name
					}
				}
			}
		}
	}
	return b.String(), consts
}
