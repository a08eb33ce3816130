package hot_compiler

import (
	"context"
	io "io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// coldMessage is in the line a build logs when it compiles the runtime.
const coldMessage = "not compiled for plugins on this machine yet"

// feed writes a recorded go build -json -v output to o in small chunks,
// as a pipe may deliver it.
func feed(t *testing.T, o *buildOutput, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "buildjson", name))
	if err != nil {
		t.Fatal(err)
	}
	for len(data) != 0 {
		n := min(7, len(data))
		if _, err := o.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
}

// TestBuildOutputRebuildsTheTextOutput proves that the text of a failed
// go build -json -v, recorded from go1.26, is exactly what go build prints
// without those flags (recorded too): the compiler maps that text to the
// user's files as before.
func TestBuildOutputRebuildsTheTextOutput(t *testing.T) {
	var started []string
	o := &buildOutput{started: func(pkg string) { started = append(started, pkg) }}
	feed(t, o, "fail.jsonl")
	want, err := os.ReadFile(filepath.Join("testdata", "buildjson", "fail.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.String(); got != string(want) {
		t.Errorf("text output:\n%s\nwant:\n%s", got, want)
	}
	if !slices.Equal(started, []string{"example.com/p/p"}) {
		t.Errorf("started = %v, want the one package compiled", started)
	}
}

// TestBuildOutputKeepsWhatIsNotJSON proves that the go command's standard
// error (early errors) comes first, and that stray lines that are not
// JSON are kept.
func TestBuildOutputKeepsWhatIsNotJSON(t *testing.T) {
	o := &buildOutput{}
	o.stderr.WriteString("go: errors parsing go.mod\n")
	feed(t, o, "early.jsonl")
	o.Write([]byte("not json\n{\"truncated"))
	want := "go: errors parsing go.mod\nmain.go:2:8: module lookup disabled by GOPROXY=off\nnot json\n{\"truncated"
	if got := o.String(); got != want {
		t.Errorf("text output:\n%q\nwant:\n%q", got, want)
	}
}

// recordHook sends the messages of log entries to a channel.
type recordHook chan string

// Levels returns every level.
func (h recordHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire sends the message.
func (h recordHook) Fire(e *logrus.Entry) error {
	select {
	case h <- e.Message:
	default:
	}
	return nil
}

// newRecordedLogger returns a logger whose messages arrive on the hook.
func newRecordedLogger() (*logrus.Entry, recordHook) {
	hook := make(recordHook, 1024)
	l := logrus.New()
	l.Out = io.Discard
	l.AddHook(hook)
	return logrus.NewEntry(l), hook
}

// TestColdBuildIsSaidOnlyWhenTheRuntimeCompiles feeds the recorded output
// of a cold build (the runtime compiled for dynamic linking) and of a warm
// one: only the cold one logs that it compiles the runtime, once, and
// reports Cold.
func TestColdBuildIsSaidOnlyWhenTheRuntimeCompiles(t *testing.T) {
	for _, tc := range []struct {
		sample string
		cold   bool
		done   int
	}{
		{"cold.jsonl", true, 62},
		{"fail.jsonl", false, 1},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			le, hook := newRecordedLogger()
			var last BuildProgress
			tr := newProgressTracker(le, func(p BuildProgress) { last = p }, "bin", func(context.Context) ([]string, error) { return nil, nil })
			tr.countAfter = time.Hour
			stop := tr.start(context.Background())
			feed(t, &buildOutput{started: tr.packageStarted}, tc.sample)
			stop()
			close(hook)
			said := 0
			for msg := range hook {
				if strings.Contains(msg, coldMessage) {
					said++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.cold]; said != want {
				t.Errorf("the cold build line was logged %d times, want %d", said, want)
			}
			if last.Cold != tc.cold || !last.Finished || last.Done != tc.done || last.Total != tc.done || last.BinaryID != "bin" {
				t.Errorf("last progress = %+v, want Cold %v, Finished, Done = Total = %d", last, tc.cold, tc.done)
			}
		})
	}
}

// TestProgressIsCountedAndLogged proves that a build running long enough
// counts the packages it compiles and logs "N of M" while it runs.
func TestProgressIsCountedAndLogged(t *testing.T) {
	le, hook := newRecordedLogger()
	reports := make(chan BuildProgress, 64)
	tr := newProgressTracker(le, func(p BuildProgress) { reports <- p }, "bin", func(context.Context) ([]string, error) {
		return []string{"a", "b", "c", "d", "e"}, nil
	})
	tr.every, tr.countAfter = 10*time.Millisecond, 0
	stop := tr.start(context.Background())
	tr.packageStarted("a")
	tr.packageStarted("b")
	deadline := time.After(time.Minute)
	for logged := false; !logged; {
		select {
		case msg := <-hook:
			logged = msg == "building plugin: 2 of 5 packages compiled"
		case <-deadline:
			t.Fatal(`no "building plugin: 2 of 5 packages compiled" line`)
		}
	}
	stop()
	var last BuildProgress
	for len(reports) != 0 {
		last = <-reports
	}
	if !last.Finished || last.Done != 2 || last.Total != 5 || last.Package != "b" {
		t.Errorf("last progress = %+v, want Finished, 2 of 5, package b", last)
	}
}
