package hot_compiler

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCleanupRemovesOnlyOlderBuildsItPublished proves that cleanup
// removes an older build of the binary (matching the output name, with a
// build manifest that says so) and keeps everything else: the kept build,
// a file of the user's named like a build but without a build manifest,
// one whose manifest is another binary's or names another hash, and files
// that don't match the pattern.
func TestCleanupRemovesOnlyOlderBuildsItPublished(t *testing.T) {
	dir := t.TempDir()
	manifest := func(binaryID, hash string) string {
		return `{"binaryId": "` + binaryID + `", "buildHash": "` + hash + `"}`
	}
	files := map[string]string{
		"demo-0123456789abcdef.cbus.so": "", "demo-0123456789abcdef.cbus.json": manifest("demo", "0123456789abcdef"),
		"demo-fedcba9876543210.cbus.so": "", "demo-fedcba9876543210.cbus.json": manifest("demo", "fedcba9876543210"),
		// The user's: no manifest, another binary's manifest, another hash.
		"demo-00000000000000aa.cbus.so": "",
		"demo-00000000000000bb.cbus.so": "", "demo-00000000000000bb.cbus.json": manifest("other", "00000000000000bb"),
		"demo-00000000000000cc.cbus.so": "", "demo-00000000000000cc.cbus.json": manifest("demo", "00000000000000dd"),
		"other-0123456789abcdef.cbus.so": "", "demo-notahash.cbus.so": "", "demo-0123.cbus.so": "",
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := cleanup(dir, "demo", "demo-{buildHash}.cbus.so", "demo-fedcba9876543210.cbus.so")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "demo-0123456789abcdef.cbus.so")}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	var want []string
	for f := range files {
		if !strings.HasPrefix(f, "demo-0123456789abcdef.") {
			want = append(want, f)
		}
	}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
