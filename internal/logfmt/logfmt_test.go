package logfmt

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{342 * time.Microsecond, "340µs"},
		{346 * time.Microsecond, "350µs"},
		{time.Millisecond, "1ms"},
		{12*time.Millisecond + 400*time.Microsecond, "12ms"},
		{1234567 * time.Microsecond, "1.235s"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
