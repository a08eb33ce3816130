package logfmt

import (
	"testing"
	"time"
)

func TestMs(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                      "0s",
		453 * time.Microsecond: "450µs",
		12*time.Millisecond + 400*time.Microsecond: "12ms",
		1234567 * time.Microsecond:                 "1.235s",
	} {
		if got := Ms(d); got != want {
			t.Errorf("Ms(%v) = %q, want %q", d, got, want)
		}
	}
}
