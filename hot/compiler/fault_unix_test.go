//go:build unix

package hot_compiler

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotbus/hotbus/internal/atomicfile"
	"github.com/sirupsen/logrus"
	logrus_test "github.com/sirupsen/logrus/hooks/test"
)

// TestGoFailuresThatAreNotTheCode classifies go command output: a full
// disk and a name too long are not compile errors, and say where.
func TestGoFailuresThatAreNotTheCode(t *testing.T) {
	exit := errors.New("exit status 1")
	c := &Compiler{opts: Options{OutputDir: "/work/plugins", CodegenDir: "/cache/codegen"}}
	for _, tc := range []struct {
		name, output, want string
	}{
		{"copy into the plugins dir", "go: copying /tmp/go-build1/b001/exe/a.out: write /work/plugins/.tmp-x.cbus.so-0123: no space left on device\n",
			"no space left on the device of the plugins dir /work/plugins (writing /work/plugins/.tmp-x.cbus.so-0123): free space on it"},
		{"the linker in $WORK", "/go/pkg/tool/linux_amd64/link: writing output: write $WORK/b001/exe/a.out: no space left on device\n",
			"no space left on the device of the go command's temp dir /gotmp"},
		{"a name too long", "go: open /work/plugins/.tmp-" + strings.Repeat("x", 300) + ".cbus.so: file name too long\n",
			"file name .tmp-" + strings.Repeat("x", 300) + ".cbus.so is 313 bytes, the limit is 255 (NAME_MAX)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.classify(goFailure(tc.output, exit), "/gotmp")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "Fix the code") {
				t.Errorf("%v blames the code", err)
			}
		})
	}
	if err := goFailure("ctrl/ctrl.go:3:13: undefined: x\n", exit); err != nil {
		t.Errorf("a compile error was classified as %v", err)
	}
}

// TestTooLongNamesSayTheLimit gives a binary ID and an output name that
// make file names longer than NAME_MAX: the compiler refuses them at once,
// naming the length and the limit, and accepts the longest that fits.
func TestTooLongNamesSayTheLimit(t *testing.T) {
	for _, opts := range []Options{
		{Packages: []string{"./x"}, BinaryID: strings.Repeat("b", 196)},
		{Packages: []string{"./x"}, BinaryID: "x", OutputName: strings.Repeat("o", 210) + "-{buildHash}.cbus.so"},
	} {
		_, err := NewCompiler(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "bytes, the limit is 255 (NAME_MAX): shorten the binary ID or the output name by") {
			t.Errorf("NewCompiler(%q, %q) = %v, want an error with the limit", opts.BinaryID, opts.OutputName, err)
		}
	}
	if _, err := NewCompiler(context.Background(), Options{Packages: []string{"./x"}, BinaryID: strings.Repeat("b", 195)}); err != nil {
		t.Errorf("the longest binary ID that fits was refused: %v", err)
	}
}

// TestDiskFullWhilePublishingIsNotACompileError builds a plugin whose
// build manifest can't be written (ENOSPC injected at the write): the
// controller logs that the plugins dir's device is full, with the dir and
// what to do, and does not tell the user to fix the code; nothing is
// published and no temporary file is left.
func TestDiskFullWhilePublishingIsNotACompileError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	out := t.TempDir()
	plugins := filepath.Join(out, "plugins")
	logger, hook := logrus_test.NewNullLogger()
	le := logrus.NewEntry(logger)
	comp, err := NewCompiler(context.Background(), Options{
		WorkDir:    "../..",
		Packages:   []string{"github.com/aperturerobotics/controllerbus/example/boilerplate/controller"},
		OutputDir:  plugins,
		CodegenDir: filepath.Join(out, "codegen"),
		BinaryID:   "disk-full",
		Logger:     le,
	})
	if err != nil {
		t.Fatal(err)
	}
	comp.writeManifest = func(path string, _ []byte, perm os.FileMode) error {
		return atomicfile.Write(path, perm, func(io.Writer) error {
			return &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	(&Controller{le: le}).build(ctx, comp, change{})

	var logged *logrus.Entry
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.ErrorLevel {
			logged = e
		}
	}
	if logged == nil {
		t.Fatal("the failed build logged no error")
	}
	text := logged.Message + " " + logged.Data[logrus.ErrorKey].(error).Error()
	t.Log(text)
	if strings.Contains(text, "Fix the code") || strings.Contains(text, "compile failed") {
		t.Errorf("a full disk is blamed on the code: %s", text)
	}
	if want := "no space left on the device of the plugins dir " + plugins; !strings.Contains(text, want) {
		t.Errorf("the log does not say %q: %s", want, text)
	}
	if err := logged.Data[logrus.ErrorKey].(error); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("the error %v does not wrap ENOSPC", err)
	}
	if ents, _ := os.ReadDir(plugins); len(ents) != 0 {
		t.Errorf("the failed publish left %v in the plugins dir", ents)
	}
}
