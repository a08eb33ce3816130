package hot_ipc

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// lastLinesKept is how many stderr lines of a child are kept for its exit
// report.
const lastLinesKept = 20

// stderrLog turns a child's stderr into entries of the host's logger. A
// line that is a JSON object (the child's logrus JSONFormatter, or
// go-plugin's hclog JSON) is logged with its level, message and fields;
// any other line (a panic trace, a print) is logged as the message, at
// error level from a "panic: " or "fatal error: " line on, else at info.
// The last lines are kept for the exit report.
type stderrLog struct {
	mu sync.Mutex
	// le is the entry lines go to; proc gives the pid tag.
	le   *logrus.Entry
	proc *procRunner
	// stream, if set, tags each line ("stdout", "stderr": what the child
	// printed to os.Stdout / os.Stderr, relayed by go-plugin).
	stream string
	buf    []byte
	// last holds the last lines, oldest first.
	last    []string
	inPanic bool
}

// Write accepts any chunking of the stream.
func (l *stderrLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(l.buf[:i]), "\r")
		l.buf = l.buf[i+1:]
		if line != "" {
			l.handle(line)
		}
	}
	return len(p), nil
}

// lastLines returns a copy of the last lines, oldest first.
func (l *stderrLog) lastLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.last...)
	if len(l.buf) != 0 {
		out = append(out, string(l.buf))
	}
	return out
}

// handle logs one line.
func (l *stderrLog) handle(line string) {
	l.last = append(l.last, line)
	if len(l.last) > lastLinesKept {
		l.last = l.last[len(l.last)-lastLinesKept:]
	}
	le := l.le
	if l.proc != nil {
		le = le.WithField("pid", l.proc.pid)
	}
	if l.stream != "" {
		le = le.WithField("stream", l.stream)
	}
	if lvl, msg, fields, ok := parseJSONLine(line); ok {
		le.WithFields(fields).Log(lvl, msg)
		return
	}
	if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
		l.inPanic = true
	}
	lvl := logrus.InfoLevel
	if l.inPanic {
		lvl = logrus.ErrorLevel
	}
	le.Log(lvl, line)
}

// setEntry replaces the entry lines go to.
func (l *stderrLog) setEntry(le *logrus.Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.le = le
}

// parseJSONLine reads a logrus or hclog JSON line. The host's own tags
// (binary-id, pid) win over fields of the same name.
func parseJSONLine(line string) (logrus.Level, string, logrus.Fields, bool) {
	if !strings.HasPrefix(line, "{") {
		return 0, "", nil, false
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(line), &obj); err != nil {
		return 0, "", nil, false
	}
	lvlText, _ := firstString(obj, "level", "@level")
	msg, _ := firstString(obj, "msg", "@message")
	lvl, err := logrus.ParseLevel(lvlText)
	if err != nil {
		lvl = logrus.InfoLevel
	}
	fields := make(logrus.Fields, len(obj))
	for k, v := range obj {
		switch k {
		case "level", "@level", "msg", "@message", "time", "@timestamp", "binary-id", "pid":
			continue
		}
		fields[k] = v
	}
	return lvl, msg, fields, true
}

// firstString returns the first of keys that holds a string.
func firstString(obj map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := obj[k].(string); ok {
			return s, true
		}
	}
	return "", false
}
