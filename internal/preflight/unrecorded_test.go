package preflight

import (
	"slices"
	"testing"
)

// TestCompareHostWithoutModules: a go test binary records no dependencies
// in its build info. Comparing a plugin with it must not claim the modules
// match: it says they were not recorded and names the plugin's replaces.
func TestCompareHostWithoutModules(t *testing.T) {
	base := map[string]string{"CGO_ENABLED": "1"}
	host := info("go1.26.8", base)
	plugin := info("go1.26.8", base, "a.com/x v1.0.0", "b.com/y v1.2.0 => /tmp/fork")
	var got []string
	for _, m := range Compare(host, plugin) {
		got = append(got, m.Item+"|"+m.Plugin)
		if m.Fix == "" {
			t.Errorf("%s: no fix", m.Item)
		}
	}
	want := []string{"module versions|2 modules", "module b.com/y|v1.2.0 => /tmp/fork"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
