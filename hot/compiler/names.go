package hot_compiler

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"golang.org/x/mod/module"
)

// defaultBinaryIDMax is the longest binary ID DefaultBinaryID returns.
const defaultBinaryIDMax = 64

// DefaultBinaryID derives a binary ID from a hot package's import path and
// its module path: the last element of the module path (without a major
// version suffix such as /v2), then the package's path inside the module,
// joined with "-" ("example.com/shop" and "example.com/shop/ctrl/cart"
// give "shop-ctrl-cart"). Bytes other than letters, digits, '.', '_' and
// '-' become '-', a leading '.' or '-' is dropped, ".." becomes ".", and
// the result is at most 64 bytes long, so it is a valid file name and
// passes the name checks of [Config.Validate]. It is the same for every
// build of the package.
func DefaultBinaryID(importPath, modulePath string) string {
	var id string
	if rel, ok := strings.CutPrefix(importPath, modulePath); modulePath != "" && ok && (rel == "" || rel[0] == '/') {
		base, _, ok := module.SplitPathVersion(modulePath)
		if !ok || base == "" {
			base = modulePath
		}
		id = base[strings.LastIndex(base, "/")+1:] + strings.ReplaceAll(rel, "/", "-")
	} else {
		elems := strings.Split(importPath, "/")
		if len(elems) > 2 {
			elems = elems[len(elems)-2:]
		}
		id = strings.Join(elems, "-")
	}
	b := []byte(id)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	id = string(b)
	for strings.Contains(id, "..") {
		id = strings.ReplaceAll(id, "..", ".")
	}
	id = strings.TrimLeft(id, ".-")
	if len(id) > defaultBinaryIDMax {
		id = strings.TrimRight(id[:defaultBinaryIDMax], ".-")
	}
	if id == "" {
		id = "plugin"
	}
	return id
}

// findBinaryID returns DefaultBinaryID of the first package the patterns
// match in workDir, listed with go list -find (no type checking).
func findBinaryID(ctx context.Context, goCmd, workDir string, patterns []string) (string, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	args := append([]string{"list", "-find", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", "--"}, patterns...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOPROXY=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("compiler: no binary ID given, and listing the packages %s in %s to derive one failed: %w\n%s"+
			"fix the package patterns, or give a binary ID (pluginBinaryId)", strings.Join(patterns, " "), workDir, err, stderr.String())
	}
	first, _, _ := strings.Cut(string(out), "\n")
	importPath, modulePath, _ := strings.Cut(strings.TrimSpace(first), " ")
	if importPath == "" {
		return "", fmt.Errorf("compiler: no binary ID given, and the packages %s match nothing in %s to derive one from: "+
			"fix the package patterns, or give a binary ID (pluginBinaryId)", strings.Join(patterns, " "), workDir)
	}
	return DefaultBinaryID(importPath, modulePath), nil
}

// NameError is a binary ID or output name that can't name a plugin file.
type NameError struct {
	// Field is the setting ("pluginBinaryId", "outputName", or the
	// Options field names).
	Field string
	// Value is the setting's value.
	Value string
	// Rule is the rule it breaks, and why the rule exists.
	Rule string
}

// Error names the field, the value and the rule.
func (e *NameError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Rule)
}

// TargetError is a build target that is neither "plugin" nor "process".
type TargetError struct {
	// Field is the setting ("target" in the config, "Target" in Options).
	Field string
	// Value is the setting's value.
	Value string
}

// Error names the field, the value and both targets.
func (e *TargetError) Error() string {
	return fmt.Sprintf("%s %q: must be %q (the default: a Go plugin, .cbus.so, loaded into the host process by hotbus/loader/filesystem) "+
		"or %q (a child executable, .cbus.exe, run by hotbus/loader/process)", e.Field, e.Value, TargetPlugin, TargetProcess)
}

// checkTarget checks a target ("" is the default, TargetPlugin) as the
// field field.
func checkTarget(field, target string) error {
	switch target {
	case "", TargetPlugin, TargetProcess:
		return nil
	}
	return &TargetError{Field: field, Value: target}
}

// targetSuffix returns the file name suffix of target's builds: the
// loaders load only files with it.
func targetSuffix(target string) string {
	if target == TargetProcess {
		return hot_manifest.ProcessSuffix
	}
	return hot_plugin.PluginSuffix
}

// checkNames checks a binary ID and an output name ("" for the default)
// as the fields idField and nameField, for the build target target: each
// must be usable as a file name in the plugins dir that the target's
// loader will load.
func checkNames(binaryID, outputName, idField, nameField, target string) error {
	for _, f := range []struct{ field, value string }{{idField, binaryID}, {nameField, outputName}} {
		if f.value == "" {
			continue
		}
		if err := checkFileName(f.field, f.value); err != nil {
			return err
		}
	}
	field, name := nameField, outputName
	if name == "" {
		if binaryID == "" {
			return nil
		}
		field, name = idField, binaryID+"-"+codegen.BuildHashPlaceholder+targetSuffix(target)
	}
	if suffix := targetSuffix(target); !strings.HasSuffix(name, suffix) {
		loader := "hotbus/loader/filesystem"
		if target == TargetProcess {
			loader = "hotbus/loader/process"
		}
		return &NameError{Field: field, Value: name, Rule: fmt.Sprintf("must end in %s for target %q: %s loads only files with that suffix", suffix, targetOrDefault(target), loader)}
	}
	if longest := longestTempName(name); len(longest) > nameMax {
		value := outputName
		if field == idField {
			value = binaryID
		}
		n := len(longest)
		return &NameError{Field: field, Value: value, Rule: fmt.Sprintf(
			"the longest file name hotbus writes for it, %s (the temporary name of the build manifest of %s), is %d bytes, the limit is 255 (NAME_MAX): shorten the binary ID or the output name by %d bytes",
			longest, codegen.ExpandHash(name, strings.Repeat("0", codegen.BuildHashLen)), n, n-nameMax)}
	}
	return nil
}

// targetOrDefault returns target, TargetPlugin if it is empty.
func targetOrDefault(target string) string {
	if target == "" {
		return TargetPlugin
	}
	return target
}

// checkFileName checks one name against the rules every name in the
// plugins dir follows.
func checkFileName(field, value string) error {
	rule := ""
	switch {
	case strings.HasPrefix(value, "."):
		rule = "must not start with a dot: the loader skips dot files (they are temporary files being written), so the plugin would never load"
	case strings.ContainsAny(value, `/\`):
		rule = `must not contain a path separator (/ or \): it names a file directly in the plugins dir (outputDir)`
	case strings.Contains(value, ".."):
		rule = `must not contain "..": it names a file directly in the plugins dir (outputDir)`
	case strings.IndexFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		rule = "must not contain control characters (NUL, newline, ...): it names a file"
	}
	if rule != "" {
		return &NameError{Field: field, Value: value, Rule: rule}
	}
	return nil
}
