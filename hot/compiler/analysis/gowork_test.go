package analysis

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/internal/compilertest"
)

// TestGoWorkRunsTheConfiguredGo proves that the go env lookup runs the
// go command it is given, not the one on the process's PATH, that it
// reads "off" as no workspace, and that it reads GOARCH.
func TestGoWorkRunsTheConfiguredGo(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"/somewhere/go.work", "/somewhere/go.work"},
		{"off", ""},
		{"", ""},
	} {
		bin := filepath.Join(compilertest.FakeGo(t, "echo '"+tc.out+"'\necho arm64\n"), "go")
		got, err := goEnv(context.Background(), bin, t.TempDir(), os.Environ())
		if err != nil {
			t.Fatal(err)
		}
		if got.GoWork != tc.want || got.GoArch != "arm64" {
			t.Errorf("go env printing %q and arm64: goEnv = %+v, want GoWork %q, GoArch arm64", tc.out, got, tc.want)
		}
	}
}

// TestGoWorkErrorSaysWhatFailed proves that a failing go env is an error
// naming the command, the directory, the go command's own message and
// what to do, not a silent "no workspace".
func TestGoWorkErrorSaysWhatFailed(t *testing.T) {
	bin := filepath.Join(compilertest.FakeGo(t, "echo 'go: GOFLAGS: unknown flag -bogus' >&2\nexit 1\n"), "go")
	dir := t.TempDir()
	_, err := goEnv(context.Background(), bin, dir, os.Environ())
	if err == nil {
		t.Fatal("goEnv of a failing go command returned no error")
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
	// With no GoCommand, the go command is the one first on env's PATH.
	_, err := Analyze(context.Background(), mod, []string{"./p"}, Options{Env: []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}})
	if err == nil {
		t.Fatal("Analyze succeeded although the go.work lookup failed")
	}
	var ae *AnalysisError
	if errors.As(err, &ae) || !strings.Contains(err.Error(), "broken go env") {
		t.Fatalf("Analyze error = %v, want the go.work lookup's failure", err)
	}
}

// TestAnalyzeRunsTheGivenGoCommand proves that the analysis runs
// Options.GoCommand for go list, not the go command first on the PATH:
// the given one is a wrapper that logs each invocation and runs the real
// go, which stays first on PATH.
func TestAnalyzeRunsTheGivenGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	mod := t.TempDir()
	compilertest.Write(t, mod, "go.mod", "module example.com/m\n\ngo 1.25\n")
	compilertest.Write(t, filepath.Join(mod, "p"), "p.go", "package p\n\nconst ConfigID = \"example/p\"\n")
	log := filepath.Join(t.TempDir(), "invocations")
	wrapper := filepath.Join(compilertest.FakeGo(t, "echo \"$*\" >> '"+log+"'\nexec '"+realGo+"' \"$@\"\n"), "go")

	_, err = Analyze(context.Background(), mod, []string{"./p"}, Options{GoCommand: wrapper})
	var ae *AnalysisError
	if !errors.As(err, &ae) || len(ae.Problems) != 1 || ae.Problems[0].Kind != "factory" {
		t.Fatalf("Analyze = %v, want the one factory problem of a package without NewFactory", err)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("the wrapper never ran: %v", err)
	}
	var verbs []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		verbs = append(verbs, strings.Fields(l)[0])
	}
	if !slices.Contains(verbs, "list") || !slices.Contains(verbs, "env") {
		t.Errorf("the wrapper ran %q, want a list and an env invocation:\n%s", verbs, data)
	}
}
