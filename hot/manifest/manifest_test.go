package hot_manifest

import (
	"github.com/aperturerobotics/controllerbus/directive"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// sample is a manifest with one plugin in each state.
func sample() *Manifest {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &Manifest{
		Dir:       "/plugins",
		UpdatedAt: at,
		Plugins: []Plugin{
			{
				Path: "/plugins/a.cbus.so", BinaryID: "a", BinaryVersion: "v2",
				FileSHA256: "aa", BuildHash: "bh", LoadedAt: at,
				ConfigIDs: []string{"a/one", "a/two"}, State: StateLoaded,
			},
			{Path: "/plugins/b.cbus.so", State: StateFailed, Error: "not an ELF file"},
			{Path: "/plugins/c.cbus.so", BinaryID: "a", State: StateSuperseded},
			{Path: "/plugins/d.cbus.so", BinaryID: "d", State: StateRemoved},
		},
	}
}

func TestMarshal(t *testing.T) {
	data, err := Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "dir": "/plugins",
  "updatedAt": "2026-01-02T03:04:05Z",
  "plugins": [
    {
      "path": "/plugins/a.cbus.so",
      "binaryId": "a",
      "binaryVersion": "v2",
      "fileSha256": "aa",
      "buildHash": "bh",
      "loadedAt": "2026-01-02T03:04:05Z",
      "configIds": [
        "a/one",
        "a/two"
      ],
      "state": "loaded"
    },
    {
      "path": "/plugins/b.cbus.so",
      "state": "failed",
      "error": "not an ELF file"
    },
    {
      "path": "/plugins/c.cbus.so",
      "binaryId": "a",
      "state": "superseded"
    },
    {
      "path": "/plugins/d.cbus.so",
      "binaryId": "d",
      "state": "removed"
    }
  ]
}
`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sample()) {
		t.Errorf("round trip: got %+v", back)
	}
	if _, err := Unmarshal([]byte("{")); err == nil {
		t.Error("Unmarshal accepted broken JSON")
	}
}

func TestFind(t *testing.T) {
	m := sample()
	if p := m.Find("/plugins/b.cbus.so"); p == nil || p.State != StateFailed {
		t.Errorf("Find = %+v", p)
	}
	if p := m.Find("/plugins/none.cbus.so"); p != nil {
		t.Errorf("Find of a missing path = %+v", p)
	}
	var nilM *Manifest
	if nilM.Find("x") != nil {
		t.Error("nil manifest")
	}
}

func TestWriteReadFile(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, sample()); err != nil {
		t.Fatal(err)
	}
	m, err := ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, sample()) {
		t.Errorf("ReadFile = %+v", m)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left files behind: %v", entries)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); !os.IsNotExist(err) {
		t.Errorf("ReadFile of a missing file = %v", err)
	}
}

func TestWatchManifestDirective(t *testing.T) {
	wd, _ := os.Getwd()
	a := NewWatchManifest("plugins")
	if got := a.WatchManifestDir(); got != filepath.Join(wd, "plugins") {
		t.Errorf("dir %q, want it absolute", got)
	}
	eq := a.(directive.DirectiveWithEquiv)
	if !eq.IsEquivalent(NewWatchManifest(filepath.Join(wd, "plugins", "."))) {
		t.Error("same dir not equivalent")
	}
	if eq.IsEquivalent(NewWatchManifest("other")) || eq.IsEquivalent(NewWatchManifest("")) {
		t.Error("other dirs equivalent")
	}
	if NewWatchManifest("").WatchManifestDir() != "" {
		t.Error("empty dir (any loader) not kept empty")
	}
	if id := a.WatchManifestLoader(); id != "" {
		t.Errorf("NewWatchManifest's loader %q, want any (empty)", id)
	}
	// Keyed by loader too: two loaders of one directory are told apart.
	fs := NewWatchLoaderManifest("hotbus/loader/filesystem", "plugins")
	if fs.WatchManifestLoader() != "hotbus/loader/filesystem" || fs.WatchManifestDir() != a.WatchManifestDir() {
		t.Errorf("NewWatchLoaderManifest: loader %q dir %q", fs.WatchManifestLoader(), fs.WatchManifestDir())
	}
	if eq.IsEquivalent(fs) || fs.(directive.DirectiveWithEquiv).IsEquivalent(NewWatchLoaderManifest("hotbus/loader/process", "plugins")) {
		t.Error("directives for other loaders of the same dir equivalent")
	}
	if !fs.(directive.DirectiveWithEquiv).IsEquivalent(NewWatchLoaderManifest("hotbus/loader/filesystem", filepath.Join(wd, "plugins"))) {
		t.Error("same loader and dir not equivalent")
	}
}

func TestBuildPath(t *testing.T) {
	for in, want := range map[string]string{
		"/p/demo-1a2b.cbus.so":  "/p/demo-1a2b.cbus.json",
		"/p/demo-1a2b.cbus.exe": "/p/demo-1a2b.cbus.json",
		"/p/other":              "/p/other.cbus.json",
	} {
		if got := BuildPath(in); got != want {
			t.Errorf("BuildPath(%q) = %q, want %q", in, got, want)
		}
	}
}
