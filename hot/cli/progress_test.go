package hot_cli

import (
	"bytes"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

func TestRenderBar(t *testing.T) {
	for _, tc := range []struct {
		p    hot_compiler.BuildProgress
		want string
	}{
		{hot_compiler.BuildProgress{BinaryID: "demo", Done: 3, Elapsed: 1200 * time.Millisecond, Package: "fmt"},
			"building demo 3 packages 1s fmt"},
		{hot_compiler.BuildProgress{BinaryID: "demo", Done: 40, Total: 100, Elapsed: 12 * time.Second, Cold: true, Package: "runtime"},
			"building demo [############..................] 40/100 packages 12s (first build: compiling the runtime) runtime"},
		{hot_compiler.BuildProgress{BinaryID: "demo", Done: 120, Total: 100, Elapsed: 20 * time.Second},
			"building demo [##############################] 100/100 packages 20s"},
	} {
		if got := renderBar(tc.p); got != tc.want {
			t.Errorf("renderBar(%+v) =\n%q, want\n%q", tc.p, got, tc.want)
		}
	}
}

// TestProgressBarKeepsLogLinesApart checks that a log line written while
// the bar is drawn clears the bar first and draws it again after, and
// that a finished build leaves no bar behind.
func TestProgressBarKeepsLogLinesApart(t *testing.T) {
	var out bytes.Buffer
	bar := &progressBar{out: &out}
	bar.update(hot_compiler.BuildProgress{BinaryID: "x", Done: 1})
	if _, err := bar.Write([]byte("level=info msg=hello\n")); err != nil {
		t.Fatal(err)
	}
	bar.update(hot_compiler.BuildProgress{BinaryID: "x", Done: 2, Finished: true})
	want := "building x 1 packages 0s" + "\r\033[K" + "level=info msg=hello\n" + "building x 1 packages 0s" + "\r\033[K"
	if got := out.String(); got != want {
		t.Errorf("terminal output =\n%q, want\n%q", got, want)
	}
	if isTerminal(&out) {
		t.Error("a buffer is not a terminal")
	}
}
