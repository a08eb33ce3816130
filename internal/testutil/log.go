package testutil

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// logWriter sends log output to t.Log until the test ends.
type logWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

// LogWriter returns a writer that sends each write to t.Log, until the
// test ends: a host's goroutines may log a little longer than the test
// runs, and t.Log after the end would panic.
func LogWriter(t testing.TB) io.Writer {
	w := &logWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

// Write logs p, without its trailing newline.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// Logger returns a debug-level logger writing to out, with hooks added.
func Logger(out io.Writer, hooks ...logrus.Hook) *logrus.Entry {
	log := logrus.New()
	log.SetLevel(logrus.DebugLevel)
	log.SetOutput(out)
	for _, h := range hooks {
		log.AddHook(h)
	}
	return logrus.NewEntry(log)
}

// LogBuffer collects log output and wakes those waiting for a line. Safe
// for concurrent use; the zero value is ready.
type LogBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.buf.Write(p)
}

// Wait waits until the log contains every one of subs, at most timeout,
// and fails the test naming the first missing one if it doesn't.
func (l *LogBuffer) Wait(t testing.TB, timeout time.Duration, subs ...string) {
	t.Helper()
	missing := ""
	l.waitFor(t, timeout, func(text string) bool {
		missing = ""
		for _, s := range subs {
			if !strings.Contains(text, s) {
				missing = s
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf("%q in the log", missing) })
}

// WaitLine waits until one line of the log contains every one of subs, at
// most timeout, and fails the test if none does.
func (l *LogBuffer) WaitLine(t testing.TB, timeout time.Duration, subs ...string) {
	t.Helper()
	l.waitFor(t, timeout, func(text string) bool {
		for _, line := range strings.Split(text, "\n") {
			if !slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(line, s) }) {
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("a log line with all of %q", subs) })
}

// waitFor waits until cond holds for the log, at most timeout; then it
// fails the test with what() was awaited.
func (l *LogBuffer) waitFor(t testing.TB, timeout time.Duration, cond func(text string) bool, what func() string) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		l.mu.Lock()
		text := l.buf.String()
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		if cond(text) {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what())
		}
	}
}

// String returns the log.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// _ is a type assertion
var _ io.Writer = ((*LogBuffer)(nil))
