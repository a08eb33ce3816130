package hot_loader_filesystem

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		conf *Config
		err  string
		dur  time.Duration
	}{
		{&Config{}, "dir must be set", 0},
		{&Config{Dir: "p"}, "", DefaultDebounceDur},
		{&Config{Dir: "p", DebounceDur: "1s"}, "", time.Second},
		{&Config{Dir: "p", DebounceDur: "soon"}, "debounceDur \"soon\"", 0},
		{&Config{Dir: "p", DebounceDur: "-1s"}, "negative", 0},
	}
	for _, c := range cases {
		err := c.conf.Validate()
		if c.err == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.conf, err)
			}
			if d, _ := c.conf.ParseDebounceDur(); d != c.dur {
				t.Errorf("%+v: debounce %v, want %v", c.conf, d, c.dur)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: got %v, want %q", c.conf, err, c.err)
		}
	}
	if !(&Config{Dir: "a"}).EqualsConfig(&Config{Dir: "a"}) || (&Config{Dir: "a"}).EqualsConfig(&Config{Dir: "b"}) {
		t.Error("EqualsConfig")
	}
}
