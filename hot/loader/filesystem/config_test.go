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

func TestRelevantNames(t *testing.T) {
	for name, want := range map[string]bool{
		"/p/a.cbus.so":                 true,
		"/p/a.cbus.json":               true,
		"/p/.tmp-a.cbus.so-123":        false,
		"/p/.a.cbus.so":                false,
		"/p/hotbus-manifest.json":      false,
		"/p/.tmp-hotbus-manifest.json": false,
		"/p/a.so":                      false,
	} {
		if got := relevant(name); got != want {
			t.Errorf("relevant(%q) = %v", name, got)
		}
	}
	if isPluginName(".cbus.so") || !isPluginName("x.cbus.so") || isPluginName("x.cbus.json") {
		t.Error("isPluginName")
	}
	if !within("/a/b", "/a/b/c") || within("/a/b", "/a/bc") || within("/a/b", "/a") {
		t.Error("within")
	}
}
