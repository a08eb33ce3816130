package analysis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestGoWorkRunsTheConfiguredGo proves that the go.work lookup runs the
// go command it is given, not the one on the process's PATH, and that it
// reads "off" as no workspace.
func TestGoWorkRunsTheConfiguredGo(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"/somewhere/go.work", "/somewhere/go.work"},
		{"off", ""},
		{"", ""},
	} {
		bin := filepath.Join(compilertest.FakeGo(t, "echo '"+tc.out+"'\n"), "go")
		got, err := goWork(context.Background(), bin, t.TempDir(), os.Environ())
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("go env GOWORK printing %q: goWork = %q, want %q", tc.out, got, tc.want)
		}
	}
}

// TestGoWorkErrorSaysWhatFailed proves that a failing go env is an error
// naming the command, the directory, the go command's own message and
// what to do, not a silent "no workspace".
func TestGoWorkErrorSaysWhatFailed(t *testing.T) {
	bin := filepath.Join(compilertest.FakeGo(t, "echo 'go: GOFLAGS: unknown flag -bogus' >&2\nexit 1\n"), "go")
	dir := t.TempDir()
	_, err := goWork(context.Background(), bin, dir, os.Environ())
	if err == nil {
		t.Fatal("goWork of a failing go command returned no error")
	}
	for _, want := range []string{bin + " env GOWORK", dir, "unknown flag -bogus", "Options.GoCommand"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// TestGoCommandInFollowsEnvPath proves that the go command is looked up
// on the PATH env sets (the last one, as os/exec does), so the compiler's
// GoCommand, which it puts first on that PATH, is the one that runs.
func TestGoCommandInFollowsEnvPath(t *testing.T) {
	first := compilertest.FakeGo(t, "exit 0\n")
	second := compilertest.FakeGo(t, "exit 0\n")
	env := []string{"PATH=" + second, "HOME=/nowhere", "PATH=" + first + string(os.PathListSeparator) + second}
	if got, want := goCommandIn(env), filepath.Join(first, "go"); got != want {
		t.Errorf("goCommandIn = %s, want %s", got, want)
	}
	if got := goCommandIn([]string{"PATH=" + t.TempDir()}); got != "go" {
		t.Errorf("goCommandIn with no go on PATH = %s, want go (run to report the failure)", got)
	}
}

// TestAnalyzeReportsAFailedGoWorkLookup proves that Analyze returns the
// go.work lookup's failure instead of building as if there were no
// workspace.
func TestAnalyzeReportsAFailedGoWorkLookup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	mod := t.TempDir()
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n\ngo 1.25\n")
	compilertest.Write(t, filepath.Join(mod, "p"), "p.go", "package p\n")
	bin := compilertest.FakeGo(t, "case \"$1\" in env) echo 'go: broken go env' >&2; exit 1;; esac\nexit 1\n")
	// go/packages runs the go on the process's PATH; the lookup runs the
	// one on env's PATH.
	_, err := Analyze(context.Background(), mod, []string{"./p"}, []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")})
	if err == nil {
		t.Fatal("Analyze succeeded although the go.work lookup failed")
	}
	var ae *AnalysisError
	if errors.As(err, &ae) || !strings.Contains(err.Error(), "broken go env") {
		t.Fatalf("Analyze error = %v, want the go.work lookup's failure", err)
	}
}
