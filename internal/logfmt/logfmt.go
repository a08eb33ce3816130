// Package logfmt formats values for hotbus's log lines, the same way in
// every package.
package logfmt

import "time"

// Ms formats a duration for the log: to the millisecond, or to 10µs below
// a millisecond ("1.234s", "12ms", "450µs").
func Ms(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
