// Package logfmt formats values for log fields the same way in every
// part of hotbus.
package logfmt

import "time"

// Duration formats d for a log field: to the millisecond ("1.234s",
// "12ms"), or to 10µs below a millisecond ("340µs"), so that build and
// reload times read alike in the compiler's and the loader's logs.
func Duration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
