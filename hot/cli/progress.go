package hot_cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// barWidth is the number of cells of the progress bar.
const barWidth = 30

// progressBar draws a build's progress on a terminal as one line redrawn
// in place. It is also the writer of the command's log while the build
// runs: a log line clears the bar, is written, and the bar is drawn again
// below it, so the two never mix on one line.
type progressBar struct {
	mu  sync.Mutex
	out io.Writer
	// line is the bar as last drawn; "" when nothing is drawn.
	line string
}

// update draws p; a finished build's bar is cleared.
func (b *progressBar) update(p hot_compiler.BuildProgress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clear()
	if p.Finished {
		return
	}
	b.line = renderBar(p)
	fmt.Fprint(b.out, b.line)
}

// Write writes a log line above the bar.
func (b *progressBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	line := b.line
	b.clear()
	n, err := b.out.Write(p)
	if line != "" {
		b.line = line
		fmt.Fprint(b.out, line)
	}
	return n, err
}

// clear erases the bar's line, if one is drawn.
func (b *progressBar) clear() {
	if b.line != "" {
		fmt.Fprint(b.out, "\r\033[K")
		b.line = ""
	}
}

// renderBar returns the bar for p, without a newline:
//
//	building my-plugin [##########..........] 40/103 packages 12s runtime/cgo
//
// Before the packages left are counted (Total 0) it shows the count alone.
func renderBar(p hot_compiler.BuildProgress) string {
	var s strings.Builder
	fmt.Fprintf(&s, "building %s ", p.BinaryID)
	if p.Total > 0 {
		done := min(p.Done, p.Total)
		fill := done * barWidth / p.Total
		fmt.Fprintf(&s, "[%s%s] %d/%d packages", strings.Repeat("#", fill), strings.Repeat(".", barWidth-fill), done, p.Total)
	} else {
		fmt.Fprintf(&s, "%d packages", p.Done)
	}
	fmt.Fprintf(&s, " %s", p.Elapsed.Round(time.Second))
	if p.Cold {
		s.WriteString(" (first build: compiling the runtime)")
	}
	if p.Package != "" {
		s.WriteString(" " + p.Package)
	}
	return s.String()
}

// isTerminal reports whether w is a terminal (a character device), where
// a progress bar may redraw its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
