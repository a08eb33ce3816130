package analysis

import (
	"go/constant"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotbus/hotbus/internal/hostinfo"
	"golang.org/x/tools/go/packages"
)

// GoModOf returns the go.mod file of m.
func GoModOf(m *packages.Module) string {
	if m.Replace != nil && m.Replace.GoMod != "" {
		return m.Replace.GoMod
	}
	return m.GoMod
}

// inModuleCache reports whether path is in the module cache's download
// directory, where nothing is edited.
func inModuleCache(path string) bool {
	sep := string(filepath.Separator)
	return strings.Contains(path, sep+"cache"+sep+"download"+sep)
}

// WatchFiles lists the files a change in which calls for a rebuild.
func WatchFiles(a *Analysis) []string {
	set := map[string]bool{}
	for _, p := range a.All() {
		for _, f := range p.Files {
			set[f] = true
		}
		if gm := GoModOf(p.Module); gm != "" && !inModuleCache(gm) {
			set[gm] = true
			if _, err := os.Stat(strings.TrimSuffix(gm, ".mod") + ".sum"); err == nil {
				set[strings.TrimSuffix(gm, ".mod")+".sum"] = true
			}
		}
	}
	for _, m := range a.Modules {
		if m.Main && m.GoMod != "" {
			set[m.GoMod] = true
		}
	}
	if a.GoWork != "" {
		set[a.GoWork] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// ConfigIDs returns the config IDs the hot packages declare as a string
// constant named ConfigID, sorted.
func (a *Analysis) ConfigIDs() []string {
	var ids []string
	for _, p := range a.Packages {
		if p.ConfigID != "" {
			ids = append(ids, p.ConfigID)
		}
	}
	sort.Strings(ids)
	return ids
}

// constString returns the value of the string constant name in pkg.
func constString(pkg *packages.Package, name string) string {
	c, ok := pkg.Types.Scope().Lookup(name).(*types.Const)
	if !ok || c.Val().Kind() != constant.String {
		return ""
	}
	return constant.StringVal(c.Val())
}

// sourceExts are the file name extensions go/build treats as package
// sources: Go, cgo (C, C++, Objective-C, Fortran, assembly, SWIG) and
// system objects.
var sourceExts = map[string]bool{
	".go": true, ".c": true, ".cc": true, ".cxx": true, ".cpp": true, ".m": true,
	".h": true, ".hh": true, ".hpp": true, ".hxx": true, ".f": true, ".F": true,
	".for": true, ".f90": true, ".s": true, ".S": true, ".sx": true,
	".swig": true, ".swigcxx": true, ".syso": true,
}

// IsSourceName reports whether a file named base is a package source for
// go/build, test files aside.
func IsSourceName(base string) bool {
	return sourceExts[filepath.Ext(base)] && !strings.HasSuffix(base, "_test.go")
}

// ModVersion formats a packages.Module's effective version.
func ModVersion(m *packages.Module) string {
	if r := m.Replace; r != nil {
		if r.Version != "" {
			return r.Path + "@" + r.Version
		}
		return r.Dir
	}
	if m.Version == "" {
		return hostinfo.DevelVersion
	}
	return m.Version
}
