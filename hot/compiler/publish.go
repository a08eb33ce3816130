package hot_compiler

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
)

// tempOutput returns a fresh temporary path for a plugin named name in
// dir: atomicfile's naming, so scanners skip it and a later compiler can
// prove it stale once this process is gone (atomicfile.RemoveStale).
func tempOutput(dir, name string) (string, error) {
	return atomicfile.TempPath(filepath.Join(dir, name))
}

// publish writes the build manifest beside final with write (nil:
// atomicfile.WriteFile), then renames the built plugin at tmp to final: a
// scanner that sees the plugin finds its manifest.
func publish(tmp, final string, b *hot_manifest.Build, write func(path string, data []byte, perm os.FileMode) error) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("publish %s: encode build manifest: %w", final, err)
	}
	if write == nil {
		write = atomicfile.WriteFile
	}
	if err := write(hot_manifest.BuildPath(final), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("publish %s: build manifest: %w", final, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("publish %s: %w", final, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("publish %s: %w (check that the output dir is writable)", final, err)
	}
	return nil
}

// outputPattern returns a regexp matching every name outputName expands
// to.
func outputPattern(outputName string) *regexp.Regexp {
	parts := strings.Split(outputName, codegen.BuildHashPlaceholder)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, "[0-9a-f]{"+strconv.Itoa(codegen.BuildHashLen)+"}") + "$")
}

// publishedBy returns the build manifest beside the plugin at path if it
// proves the plugin is a build hotbus published for binaryID under the
// output name outputName: the manifest is a regular file, not a symlink
// (hot_manifest.ReadBuild refuses other files and caps the size), of that
// binary, and its build hash expands outputName to the plugin's name.
func publishedBy(path, binaryID, outputName string) (*hot_manifest.Build, bool) {
	fi, err := os.Lstat(hot_manifest.BuildPath(path))
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	b, err := hot_manifest.ReadBuild(path)
	if err != nil || b.BinaryID != binaryID || b.BuildHash == "" || codegen.ExpandHash(outputName, b.BuildHash) != filepath.Base(path) {
		return nil, false
	}
	return b, true
}

// cleanup removes the older builds of binaryID in dir, other than keep,
// and their build manifests. An older build is a regular file whose name
// matches outputName's pattern and whose build manifest proves hotbus
// published it (publishedBy); any other file, such as a user's file named
// like a build, is kept. It returns the removed plugin paths.
func cleanup(dir, binaryID, outputName, keep string) ([]string, error) {
	if !strings.Contains(outputName, codegen.BuildHashPlaceholder) {
		return nil, nil
	}
	re := outputPattern(outputName)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("clean up old builds in %s: %w", dir, err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		if name == keep || !re.MatchString(name) || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		if _, ok := publishedBy(p, binaryID, outputName); !ok {
			continue
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(hot_manifest.BuildPath(p)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
		removed = append(removed, p)
	}
	if len(errs) != 0 {
		return removed, fmt.Errorf("clean up old builds in %s: %v", dir, errs)
	}
	return removed, nil
}
