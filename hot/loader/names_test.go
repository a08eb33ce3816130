package hot_loader

import (
	"testing"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
)

// suffixOpener is an Opener that only has a suffix: enough for the name
// checks, which must follow the opener's suffix, not the plugin's.
type suffixOpener struct {
	Opener
	suffix string
}

// Suffix returns o.suffix.
func (o suffixOpener) Suffix() string { return o.suffix }

// Mode returns ModeProcess.
func (o suffixOpener) Mode() hot_manifest.Mode { return hot_manifest.ModeProcess }

func TestRelevantNames(t *testing.T) {
	for suffix, cases := range map[string]map[string]bool{
		".cbus.so": {
			"/p/a.cbus.so":                 true,
			"/p/a.cbus.json":               true,
			"/p/.tmp-a.cbus.so-123":        false,
			"/p/.a.cbus.so":                false,
			"/p/hotbus-manifest.json":      false,
			"/p/.tmp-hotbus-manifest.json": false,
			"/p/a.so":                      false,
			"/p/a.cbus.exe":                false,
		},
		".cbus.exe": {
			"/p/a.cbus.exe":   true,
			"/p/a.cbus.json":  true,
			"/p/.a.cbus.exe":  false,
			"/p/a.cbus.so":    false,
			"/p/a.exe":        false,
			"/p/hotbus-x.txt": false,
		},
	} {
		r := &run{op: suffixOpener{suffix: suffix}}
		for name, want := range cases {
			if got := r.relevant(name); got != want {
				t.Errorf("suffix %s: relevant(%q) = %v", suffix, name, got)
			}
		}
		if r.isBuildName(suffix) || !r.isBuildName("x"+suffix) || r.isBuildName("x.cbus.json") || r.isBuildName(".x"+suffix) {
			t.Errorf("suffix %s: isBuildName", suffix)
		}
	}
	if !within("/a/b", "/a/b/c") || within("/a/b", "/a/bc") || within("/a/b", "/a") {
		t.Error("within")
	}
}
