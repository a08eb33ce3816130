package codegen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// BuildHashPlaceholder is replaced with the build hash in output names
// and binary versions.
const BuildHashPlaceholder = "{buildHash}"

// BuildHashLen is the length of a build hash in hex digits.
const BuildHashLen = 16

// PrefixHashLen is the length of the hash in the import-path prefix.
const PrefixHashLen = 12

// HashInputs are everything a build's output depends on.
type HashInputs struct {
	// GoVersion is the host's Go version.
	GoVersion string
	// Flags and Env are the go build flags and environment of the build.
	Flags, Env []string
	// BinaryID and BinaryVersion are the plugin's (BinaryVersion before
	// the build hash is put in).
	BinaryID, BinaryVersion string
	// Pins are the host's modules.
	Pins []hot_manifest.Pin
	// Analysis is the analysis of the hot packages.
	Analysis *analysis.Analysis
	// Target is the build target when it is not the plugin's ("process"),
	// else "": a plugin's hash does not change with it.
	Target string
	// CodegenDir is the codegen dir the copies are compiled from. Without
	// -trimpath their file paths are in the compiled code, so copies of one
	// package in two codegen dirs are two builds of it, which must not
	// share an import path in one process (the runtime would refuse the
	// second plugin that links it).
	CodegenDir string
}

// BuildHash returns the content hash of a build's inputs: the sources of
// the hot packages, their go.mod files, the modules they use, the host's
// pins, the flags and the Go version.
func BuildHash(in HashInputs) (string, error) {
	h := sha256.New()
	line := hashLine(h)
	hashCommon(line, "codegen", in)
	line("binary", in.BinaryID, in.BinaryVersion)
	for _, p := range in.Analysis.All() {
		if err := hashPackage(h, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:BuildHashLen], nil
}

// hashPackage writes a package's own inputs to h: its identity, its
// directory, its module's go.mod, and the name and content of each of its
// files. The directory is there because the copies name the user's files
// in //line directives (withLineDirective), so the compiled code holds
// their paths: the same sources in another directory are another build,
// and must not share its import paths in one process.
func hashPackage(h io.Writer, p *analysis.HotPackage) error {
	line := hashLine(h)
	line("package", p.ImportPath, p.Module.Path, p.Name)
	line("dir", p.Dir)
	if gm := analysis.GoModOf(p.Module); gm != "" {
		if err := hashFile(h, gm); err != nil {
			return err
		}
	}
	for _, f := range p.Files {
		rel, err := filepath.Rel(p.Dir, f)
		if err != nil {
			rel = f
		}
		line("file", filepath.ToSlash(rel))
		if err := hashFile(h, f); err != nil {
			return err
		}
	}
	return nil
}

// hashLine returns a function that writes one line of parts to h.
func hashLine(h io.Writer) func(parts ...string) {
	return func(parts ...string) {
		io.WriteString(h, strings.Join(parts, "\x00"))
		io.WriteString(h, "\n")
	}
}

// hashCommon writes what every hash of a build depends on: the kind of
// hash, the Go version, the flags and environment, the host's pins, and
// the modules the hot packages use.
func hashCommon(line func(parts ...string), kind string, in HashInputs) {
	line(kind, codegenVersion)
	if in.Target != "" {
		line("target", in.Target)
	}
	line("go", in.GoVersion)
	if in.CodegenDir != "" {
		line("codegen-dir", in.CodegenDir)
	}
	line(append([]string{"flags"}, in.Flags...)...)
	line(append([]string{"env"}, in.Env...)...)
	for _, p := range in.Pins {
		line("pin", p.Path, p.Version, p.Replace)
	}
	mods := make([]string, 0, len(in.Analysis.Modules))
	for path := range in.Analysis.Modules {
		mods = append(mods, path)
	}
	sort.Strings(mods)
	for _, path := range mods {
		line("module", path, analysis.ModVersion(in.Analysis.Modules[path]))
	}
}

// hashFile adds the sha256 of a file's content to h.
func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("build hash: %w", err)
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return fmt.Errorf("build hash: read %s: %w", path, err)
	}
	fmt.Fprintf(h, "%x\n", fh.Sum(nil))
	return nil
}

// ExpandHash replaces BuildHashPlaceholder in s with hash.
func ExpandHash(s, hash string) string {
	return strings.ReplaceAll(s, BuildHashPlaceholder, hash)
}
