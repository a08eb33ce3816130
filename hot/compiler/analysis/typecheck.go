package analysis

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"runtime"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// typeCheck parses the roots' Go files and type-checks them from source,
// a root another root imports first, and every other import from the
// export data go list compiled (ExportFile), all in one file set and one
// set of imported packages. goarch sizes the types (runtime's GOARCH if
// empty). Parse and type errors go into each root's Errors, as
// go/packages puts them.
func typeCheck(roots []*packages.Package, byPath map[string]*packages.Package, goarch string) {
	fset := token.NewFileSet()
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	sizes := types.SizesFor("gc", goarch)
	isRoot := map[string]bool{}
	for _, r := range roots {
		isRoot[r.PkgPath] = true
	}
	// imported are the packages read from export data, by import path:
	// shared, so that every root sees one types.Package per package.
	imported := map[string]*types.Package{}
	readExport := func(path string) (*types.Package, error) {
		if tp := imported[path]; tp != nil && tp.Complete() {
			return tp, nil
		}
		dep := byPath[path]
		if dep == nil || dep.ExportFile == "" {
			return nil, fmt.Errorf("no export data for %s (go list compiled none: see its errors)", path)
		}
		f, err := os.Open(dep.ExportFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, err := gcexportdata.NewReader(bufio.NewReader(f))
		if err != nil {
			return nil, fmt.Errorf("read export data of %s: %w", path, err)
		}
		return gcexportdata.Read(r, fset, imported, path)
	}
	state := map[*packages.Package]int{} // 1: being checked, 2: checked
	var check func(p *packages.Package)
	check = func(p *packages.Package) {
		if state[p] != 0 {
			return
		}
		state[p] = 1
		for _, ip := range p.Imports {
			if isRoot[ip.PkgPath] {
				check(ip)
			}
		}
		importer := importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			ip := p.Imports[path]
			if ip == nil {
				return nil, fmt.Errorf("%s is not among the imports go list found for %s", path, p.PkgPath)
			}
			if isRoot[ip.PkgPath] {
				if state[ip] != 2 || ip.Types == nil {
					return nil, fmt.Errorf("import cycle through %s", ip.PkgPath)
				}
				return ip.Types, nil
			}
			return readExport(ip.PkgPath)
		})
		checkPackage(p, fset, sizes, importer)
		state[p] = 2
	}
	for _, r := range roots {
		check(r)
	}
}

// checkPackage parses p's Go files and type-checks them.
func checkPackage(p *packages.Package, fset *token.FileSet, sizes types.Sizes, importer types.Importer) {
	p.Fset = fset
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
		var list scanner.ErrorList
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				p.Errors = append(p.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
			}
		case err != nil:
			p.Errors = append(p.Errors, packages.Error{Pos: name, Msg: err.Error(), Kind: packages.ParseError})
		}
		if f != nil {
			p.Syntax = append(p.Syntax, f)
		}
	}
	p.TypesInfo = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	p.TypesSizes = sizes
	conf := types.Config{
		Importer: importer,
		Sizes:    sizes,
		// The type checker can't run cgo: C.x is taken on trust here,
		// and go build reports what is wrong with it.
		FakeImportC: true,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) {
				p.Errors = append(p.Errors, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
				return
			}
			p.Errors = append(p.Errors, packages.Error{Msg: err.Error(), Kind: packages.TypeError})
		},
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		conf.GoVersion = "go" + p.Module.GoVersion
	}
	p.Types = types.NewPackage(p.PkgPath, p.Name)
	_ = types.NewChecker(&conf, fset, p.Types, p.TypesInfo).Files(p.Syntax)
	p.IllTyped = len(p.Errors) != 0
}

// importerFunc is a types.Importer made of a function.
type importerFunc func(path string) (*types.Package, error)

// Import imports the package at path.
func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
