package confdur

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"", 7 * time.Millisecond, ""},
		{"0s", 0, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"1m", time.Minute, ""},
		{"-1s", 0, `debounce_dur "-1s" is negative`},
		{"10h", 0, `debounce_dur "10h" is longer than 1m0s`},
		{"1m1s", 0, "longer than 1m0s"},
		{"fast", 0, `debounce_dur "fast": time: invalid duration`},
	} {
		got, err := Parse("debounce_dur", tc.in, 7*time.Millisecond)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("Parse(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && got != tc.want:
			t.Errorf("Parse(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
