package hot_compiler

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

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
func findBinaryID(goCmd, workDir string, patterns []string) (string, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
