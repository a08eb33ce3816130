package hot_compiler

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

// buildHashLen is the length of a build hash in hex digits.
const buildHashLen = 16

// prefixHashLen is the length of the hash in the import-path prefix.
const prefixHashLen = 12

// hashInputs are everything a build's output depends on.
type hashInputs struct {
	goVersion     string
	flags, env    []string
	binaryID      string
	binaryVersion string
	pins          []hot_manifest.Pin
	analysis      *analysis.Analysis
}

// buildHash returns the content hash of a build's inputs: the sources of
// the hot packages, their go.mod files, the modules they use, the host's
// pins, the flags and the Go version.
func buildHash(in hashInputs) (string, error) {
	h := sha256.New()
	line := hashLine(h)
	hashCommon(line, "codegen", in)
	line("binary", in.binaryID, in.binaryVersion)
	for _, p := range in.analysis.All() {
		if err := hashPackage(h, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:buildHashLen], nil
}

// hashPackage writes a package's own inputs to h: its identity, its
// module's go.mod, and the name and content of each of its files.
func hashPackage(h io.Writer, p *analysis.HotPackage) error {
	line := hashLine(h)
	line("package", p.ImportPath, p.Module.Path, p.Name)
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
func hashCommon(line func(parts ...string), kind string, in hashInputs) {
	line(kind, codegenVersion)
	line("go", in.goVersion)
	line(append([]string{"flags"}, in.flags...)...)
	line(append([]string{"env"}, in.env...)...)
	for _, p := range in.pins {
		line("pin", p.Path, p.Version, p.Replace)
	}
	mods := make([]string, 0, len(in.analysis.Modules))
	for path := range in.analysis.Modules {
		mods = append(mods, path)
	}
	sort.Strings(mods)
	for _, path := range mods {
		line("module", path, analysis.ModVersion(in.analysis.Modules[path]))
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

// expandHash replaces BuildHashPlaceholder in s with hash.
func expandHash(s, hash string) string {
	return strings.ReplaceAll(s, BuildHashPlaceholder, hash)
}
