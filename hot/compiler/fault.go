package hot_compiler

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/codegen"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/atomicfile"
)

// A build can fail for reasons that are not the user's code: a full disk,
// a name too long for the file system. Those errors say what they are and
// what to do, and never ask the user to fix the code (only a *BuildError
// or an *analysis.AnalysisError does). isNoSpace and isNameTooLong are per GOOS
// (fault_unix.go, fault_other.go).

// nameMax is the longest file name, in bytes, on the file systems hotbus
// runs on (NAME_MAX on Linux and macOS).
const nameMax = 255

// pathMax is the longest path, in bytes, on Linux (PATH_MAX).
const pathMax = 4096

// DiskFullError is a build or publish that failed because the device a
// file was written to is full.
type DiskFullError struct {
	// Path is the file that was being written, as the failed call or the
	// go command named it; "" if unknown.
	Path string
	// What and Dir name the directory of hotbus's that holds Path ("the
	// plugins dir" and its path), if Path is in one.
	What, Dir string
	// Err is the underlying error.
	Err error
}

// Error names the device's directory and what to do.
func (e *DiskFullError) Error() string {
	where := e.Dir
	if e.What != "" {
		where = e.What + " " + e.Dir
	}
	if where == "" {
		where = filepath.Dir(e.Path)
	}
	writing := ""
	if e.Path != "" && e.Path != e.Dir {
		writing = " (writing " + e.Path + ")"
	}
	return fmt.Sprintf("no space left on the device of %s%s: free space on it and save again",
		where, writing)
}

// Unwrap returns the underlying error.
func (e *DiskFullError) Unwrap() error { return e.Err }

// NameTooLongError is a file name or path longer than the file system
// allows.
type NameTooLongError struct {
	// Name is the file name (or the path, when the path is too long).
	Name string
	// Path is the full path, if known.
	Path string
	// Len is Name's length in bytes, Max the limit (0 if unknown).
	Len, Max int
	// Limit names the limit: "NAME_MAX" or "PATH_MAX".
	Limit string
	// Hint says what to do.
	Hint string
	// Err is the underlying error, if any.
	Err error
}

// Error names the file, its length, the limit and what to do.
func (e *NameTooLongError) Error() string {
	what := "file name"
	if e.Limit == "PATH_MAX" {
		what = "path"
	}
	limit := fmt.Sprintf("the limit is %d (%s)", e.Max, e.Limit)
	if e.Max == 0 {
		limit = "too long for the file system of " + filepath.Dir(e.Path)
	}
	return fmt.Sprintf("%s %s is %d bytes, %s: %s", what, e.Name, e.Len, limit, e.Hint)
}

// Unwrap returns the underlying error.
func (e *NameTooLongError) Unwrap() error { return e.Err }

// nameTooLong describes path, which the file system refused as too long,
// with hint as what to do.
func nameTooLong(path, hint string, err error) *NameTooLongError {
	e := &NameTooLongError{Path: path, Hint: hint, Err: err}
	base := filepath.Base(path)
	for _, part := range strings.Split(path, string(filepath.Separator)) {
		if len(part) > len(base) {
			base = part
		}
	}
	switch {
	case len(base) > nameMax:
		e.Name, e.Len, e.Max, e.Limit = base, len(base), nameMax, "NAME_MAX"
	case len(path) >= pathMax:
		e.Name, e.Len, e.Max, e.Limit = path, len(path), pathMax, "PATH_MAX"
	default:
		e.Name, e.Len = filepath.Base(path), len(filepath.Base(path))
	}
	return e
}

// longestTempName returns the longest file name the compiler writes into
// the plugins dir for the output name pattern: the temporary name of the
// build manifest of a build (the plugin, its build manifest, and their
// temporary names all must fit in nameMax bytes).
func longestTempName(outputName string) string {
	name := codegen.ExpandHash(outputName, strings.Repeat("0", codegen.BuildHashLen))
	return atomicfile.TempPrefix + hot_manifest.BuildPath(name) + strings.Repeat("x", atomicfile.TempSuffixLen)
}

// noSpaceLine and tooLongLine match what the go command prints for
// ENOSPC and ENAMETOOLONG, after the file's path.
var (
	noSpaceLine = regexp.MustCompile(`(\S+): no space left on device`)
	tooLongLine = regexp.MustCompile(`(\S+): file name too long`)
)

// goFailure classifies a failed go command from its output: a full disk
// or a name too long, not the code. It returns nil for anything else.
func goFailure(output string, err error) error {
	if m := noSpaceLine.FindStringSubmatch(output); m != nil {
		return &DiskFullError{Path: strings.TrimSuffix(m[1], ":"), Err: fmt.Errorf("%w: %s", err, strings.TrimSpace(m[0]))}
	}
	if m := tooLongLine.FindStringSubmatch(output); m != nil {
		return nameTooLong(m[1], "use shorter names or a directory with a shorter path", fmt.Errorf("%w: %s", err, strings.TrimSpace(m[0])))
	}
	return nil
}

// classify turns an error of a build step into a *DiskFullError or a
// *NameTooLongError when that is what it is, naming the directory of
// hotbus's it happened in; other errors are returned as they are.
// workTmp is the go command's temp dir ($WORK's parent), "" if unknown.
func (c *Compiler) classify(err error, workTmp string) error {
	if err == nil {
		return nil
	}
	var df *DiskFullError
	var nt *NameTooLongError
	switch {
	case errors.As(err, &df):
	case errors.As(err, &nt):
		return err
	case isNoSpace(err):
		df = &DiskFullError{Path: errPath(err), Err: err}
		err = df
	case isNameTooLong(err):
		return nameTooLong(errPath(err), "use a shorter binary ID, output name or directory path", err)
	default:
		return err
	}
	if df.Dir != "" {
		return err
	}
	if workTmp == "" {
		if workTmp = os.Getenv("GOTMPDIR"); workTmp == "" {
			workTmp = os.TempDir()
		}
	}
	path := df.Path
	if rest, ok := strings.CutPrefix(path, "$WORK"); ok {
		path = filepath.Join(workTmp, "go-build", rest)
	}
	dirs := []struct{ what, dir string }{
		{"the plugins dir", c.opts.OutputDir},
		{"the codegen dir", c.opts.CodegenDir},
		{"the go command's temp dir", workTmp},
	}
	for _, d := range dirs {
		if d.dir != "" && (path == d.dir || strings.HasPrefix(path, d.dir+string(filepath.Separator))) {
			df.What, df.Dir = d.what, d.dir
			break
		}
	}
	return err
}

// errPath returns the path an fs error names, or "".
func errPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.New
	}
	return ""
}
